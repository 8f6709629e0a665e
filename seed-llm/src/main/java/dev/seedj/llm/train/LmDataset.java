package dev.seedj.llm.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.seedj.core.config.ConfigValue;
import com.google.gson.JsonParser;
import dev.seedj.llm.text.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a causal-LM fine-tuning set from a JSONL file, one example per line, in one of three forms:
 * <ul>
 *   <li>{@code {"prompt": "...", "target": "..."}}: text, tokenized with the model's {@link TextTokenizer}, in which
 *       image tokens are written as text ({@code <img><img_00012>...<img_08000></img>}, see
 *       {@code Vocabulary.imageText}) and, like every special-token string, become their tokens (the file is
 *       trusted input, unlike a user's prompt); the sequence is {@code [BOS] prompt target [EOS]} and the loss covers
 *       {@code target [EOS]};</li>
 *   <li>{@code {"prompt_ids": [...], "target_ids": [...]}}: token ids used verbatim (add BOS/EOS yourself), the
 *       loss covering {@code target_ids};</li>
 *   <li>{@code {"input_ids": [...], "labels": [...]}}: ids and aligned labels verbatim, {@code -100} where the
 *       loss ignores a position.</li>
 * </ul>
 * Blank lines are skipped. Every problem is reported with the file and line number.
 *
 * <p>Stateless and thread-safe.
 */
public final class LmDataset {
    private LmDataset() {}

    /**
     * @param file the JSONL file
     * @param tokenizer tokenizes text lines; may be null when every line is pre-tokenized
     * @param eosId appended to text targets (OPT: {@code eos_token_id} = 2)
     * @param maxLength the longest sequence allowed (the model's {@code max_position_embeddings})
     * @return the examples in file order
     * @throws IllegalArgumentException naming the file and line of a malformed or too long example
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<LmExample> read(Path file, TextTokenizer tokenizer, long eosId, int maxLength) {
        List<LmExample> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    LmExample e = parse(line, tokenizer, eosId);
                    if (e.length() > maxLength) {
                        throw new IllegalArgumentException("the example has " + e.length()
                                + " tokens but the model takes at most " + maxLength);
                    }
                    out.add(e);
                } catch (JsonParseException e) {
                    throw new IllegalArgumentException(file + " line " + number + ": not valid JSON ("
                            + ConfigValue.describe(e) + ")", e);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new IllegalArgumentException(file + " line " + number + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training data " + file, e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no example");
        }
        return out;
    }

    private static LmExample parse(String line, TextTokenizer tokenizer, long eosId) {
        JsonElement root = JsonParser.parseString(line);
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        if (o.has("input_ids")) {
            return new LmExample(ids(o, "input_ids"), ids(o, "labels"));
        }
        if (o.has("prompt_ids")) {
            return LmExample.promptTarget(ids(o, "prompt_ids"), ids(o, "target_ids"));
        }
        if (o.has("prompt")) {
            if (tokenizer == null) {
                throw new IllegalArgumentException("a text example needs a tokenizer (tokenizer.model, tokenizer.json"
                        + " or vocab.json + merges.txt in the model or tokenizer folder)");
            }
            // the training file is the operator's own: its special and image token strings are tokens
            long[] prompt = tokenizer.encode(text(o, "prompt"), tokenizer.specialTokens());
            long[] target = tokenizer.encode(text(o, "target"), tokenizer.specialTokens());
            long[] withBos = new long[prompt.length + 1];
            withBos[0] = tokenizer.bosId();
            System.arraycopy(prompt, 0, withBos, 1, prompt.length);
            long[] withEos = new long[target.length + 1];
            System.arraycopy(target, 0, withEos, 0, target.length);
            withEos[target.length] = eosId;
            return LmExample.promptTarget(withBos, withEos);
        }
        throw new IllegalArgumentException("expected \"prompt\"/\"target\", \"prompt_ids\"/\"target_ids\" or"
                + " \"input_ids\"/\"labels\", got keys " + o.keySet());
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    private static long[] ids(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException("\"" + key + "\" must be an array of integers");
        }
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException("\"" + key + "\"[" + i + "] is not an integer: " + x);
            }
            try {
                out[i] = x.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException ex) {
                throw new IllegalArgumentException("\"" + key + "\"[" + i + "] is not an integer: " + x, ex);
            }
        }
        return out;
    }
}
