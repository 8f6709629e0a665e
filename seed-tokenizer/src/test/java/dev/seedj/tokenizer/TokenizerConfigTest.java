package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.weights.ComputeType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped configs of the released models, and the JSON round trip. */
class TokenizerConfigTest {

    @Test
    void theReleasedV1ConfigDescribesEvaViTgAndTheReverseQFormer() {
        TokenizerConfig c = TokenizerConfig.released(TokenizerConfig.Version.V1);
        assertEquals(TokenizerConfig.Version.V1, c.version());
        assertEquals(224, c.imageSize());
        assertEquals(ResizeMode.BICUBIC, c.resize());
        assertArrayEquals(new float[] {0.48145466f, 0.4578275f, 0.40821073f}, c.imageMean());
        assertArrayEquals(new float[] {0.26862954f, 0.26130258f, 0.27577711f}, c.imageStd());
        assertEquals(new TokenizerConfig.Vision(14, 1408, 39, 16, 4.3637, 1e-6f, 1e-5f), c.vision());
        assertEquals(6144, c.vision().mlpHidden(), "int(1408 * 4.3637)");
        assertEquals(new TokenizerConfig.QFormer(768, 12, 12, 3072, 2, 32, 1e-12f), c.qformer());
        assertEquals(new TokenizerConfig.Codebook(8192, 32), c.codebook());
        assertEquals(77, c.numGenerationTokens());
        assertEquals(768, c.generationDim());
        assertEquals(4, c.decoder().reverseQformerLayers());
        assertEquals(List.of(new TokenizerConfig.WeightFile("eva_vit_g.pth", "visual_encoder."),
                new TokenizerConfig.WeightFile("causal_qformer.pth", ""),
                new TokenizerConfig.WeightFile("seed_tokenizer.pth", "")), c.weights());
    }

    @Test
    void theReleasedV2ConfigDescribesTheUnclipDecoder() {
        TokenizerConfig c = TokenizerConfig.released(TokenizerConfig.Version.V2);
        assertEquals(TokenizerConfig.Version.V2, c.version());
        assertEquals(ResizeMode.BICUBIC, c.resize(), "ImageTokenizer resizes with interpolation=3");
        assertEquals(new TokenizerConfig.Vision(14, 1408, 39, 16, 4.3637, 1e-6f, 1e-5f), c.vision());
        assertEquals(List.of(256, 128, 32), c.decoder().imageDown());
        assertEquals(1, c.numGenerationTokens());
        assertEquals(1024, c.generationDim());
        assertEquals(List.of(new TokenizerConfig.WeightFile("seed_quantizer.pt", "")), c.weights());
    }

    @Test
    void toJsonReadsBackToTheSameConfig() {
        for (TokenizerConfig c : List.of(TokenizerConfig.released(TokenizerConfig.Version.V1),
                TokenizerConfig.released(TokenizerConfig.Version.V2), TinyModels.config("v2-tiny"))) {
            TokenizerConfig again = TokenizerConfig.parse(c.toJson());
            assertEquals(c.version(), again.version());
            assertEquals(c.imageSize(), again.imageSize());
            assertEquals(c.resize(), again.resize());
            assertArrayEquals(c.imageMean(), again.imageMean());
            assertArrayEquals(c.imageStd(), again.imageStd());
            assertEquals(c.vision(), again.vision());
            assertEquals(c.qformer(), again.qformer());
            assertEquals(c.codebook(), again.codebook());
            assertEquals(c.decoder(), again.decoder());
            assertEquals(c.weights(), again.weights());
        }
    }

    @Test
    void v2ConfigsMayOmitImageDownAndIgnoreUnknownFields() {
        String json = TinyModels.resource("v2-tiny.json")
                .replace("\"image_down\": [256, 128, 32], ", "")
                .replace("\"version\": \"v2\",", "\"version\": \"v2\", \"comment\": \"converted by hand\",");
        TokenizerConfig c = TokenizerConfig.parse(json);
        assertEquals(TokenizerConfig.DEFAULT_IMAGE_DOWN, c.decoder().imageDown());
        assertEquals(0, c.decoder().reverseQueryTokens());
    }

    @Test
    void dtypeIsFloat32UnlessTheConfigSaysBfloat16() {
        TokenizerConfig plain = TinyModels.config("v1-tiny");
        assertEquals(ComputeType.FLOAT32, plain.dtype());
        assertFalse(plain.toJson().contains("dtype"), "the default is not written");
        String json = TinyModels.resource("v1-tiny.json").replace("\"version\": \"v1\",",
                "\"version\": \"v1\", \"dtype\": \"bfloat16\",");
        TokenizerConfig bf16 = TokenizerConfig.parse(json);
        assertEquals(ComputeType.BFLOAT16, bf16.dtype());
        assertEquals(ComputeType.BFLOAT16, TokenizerConfig.parse(bf16.toJson()).dtype());
        assertEquals(ComputeType.FLOAT32, bf16.withDtype(ComputeType.FLOAT32).dtype());
        assertEquals(plain.vision(), bf16.withDtype(ComputeType.FLOAT32).vision());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TokenizerConfig.parse(json.replace("\"bfloat16\"", "\"float16\"")));
        assertTrue(e.getMessage().contains("$.dtype") && e.getMessage().contains("\"bfloat16\""), e.getMessage());
    }
}
