package dev.seedj.tokenizer.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.interop.Nd4jArrays;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.Encoding;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Nd4jTokenizerTest {
    private static SeedTokenizer tokenizer;
    private static Nd4jTokenizer nd4j;
    private static NDManager manager;
    private static StateDict expected;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        tokenizer = SeedTokenizer.load(OracleModelDir.v1Tiny(dir));
        nd4j = new Nd4jTokenizer(tokenizer);
        manager = NDManager.newBaseManager();
        expected = StateDict.open(Oracle.path("v1-tiny", "expected.safetensors"));
    }

    @AfterAll
    static void close() {
        expected.close();
        manager.close();
        tokenizer.close();
    }

    @Test
    void tokenizingFromAnIndArrayGivesTheCodesOfTheNdArrayPath() {
        NDArray pixels = expected.get("input.photos", manager); // [3, 3, 56, 56]
        long[] djlCodes;
        try (Encoding encoding = tokenizer.encode(pixels)) {
            djlCodes = encoding.codes().toLongArray();
        }
        INDArray codes = nd4j.encode(Nd4jArrays.toNd4j(pixels));
        assertArrayEquals(new long[] {3, 32}, codes.shape());
        assertEquals(DataType.LONG, codes.dataType());
        assertArrayEquals(djlCodes, codes.data().asLong());
        assertArrayEquals(expected.get("photos.codes", manager).toLongArray(), codes.data().asLong());
    }

    @Test
    void preprocessingThroughNd4jMatchesTheTokenizer() throws Exception {
        var photo = ImagePreprocessor.decode(Oracle.path("images", "cat_main.decoded.png"));
        INDArray pixels = nd4j.preprocess(List.of(photo));
        assertArrayEquals(new long[] {1, 3, 56, 56}, pixels.shape());
        int[] codes = tokenizer.tokenize(photo);
        assertArrayEquals(java.util.Arrays.stream(codes).asLongStream().toArray(), nd4j.encode(pixels).data().asLong());
    }

    @Test
    void detokenizingAnIndArrayGivesTheReferenceEmbeddings() {
        INDArray codes = Nd4jArrays.toNd4j(expected.get("photos.codes", manager)).castTo(DataType.INT);
        INDArray embeds = nd4j.detokenize(codes);
        assertArrayEquals(new long[] {3, 77, 768}, embeds.shape());
        Oracle.assertClose("generation_embeds", expected.get("photos.generation_embeds", manager).toFloatArray(),
                embeds.data().asFloat(), 1e-4);
    }

    @Test
    void badCodesAreRefusedByValue() {
        INDArray codes = Nd4j.createFromArray(new long[][] {new long[32]});
        codes.putScalar(0, 5, 9000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> nd4j.detokenize(codes));
        assertTrue(e.getMessage().contains("code 9000 at index 5"), e.getMessage());
    }
}
