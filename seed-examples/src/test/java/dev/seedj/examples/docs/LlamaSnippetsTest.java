package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.llm.LlmDtype;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlamaSnippetsTest {

    @Test
    void llamaSnippetRunsOnTheTinyFixture() {
        long[][] ids = {{0, 0, 1, 5, 9}, {1, 7, 3, 4, 8}};
        long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
        Object[] out = LlamaSnippets.logitsAndGreedy(Oracle.path("llama-tiny"), ids, mask,
                List.of(new long[] {1, 5, 9}, new long[] {1, 7, 3, 4, 8}));
        assertEquals(new Shape(2, 5, 8514), out[0]);
        int[] tokens = (int[]) out[1];
        assertTrue(tokens.length >= 1 && tokens.length <= 8);
    }

    @Test
    void dtypeSnippetLoadsBfloat16LlamaAndInt8Opt() {
        Object[] out = LlamaSnippets.dtypes(Oracle.path("llama-tiny"), Oracle.path("opt-tiny"));
        assertEquals(LlmDtype.BFLOAT16, out[0]);
        assertEquals(LlmDtype.BFLOAT16, out[1]);
        assertEquals(3, ((Shape) out[2]).get(1));
    }
}
