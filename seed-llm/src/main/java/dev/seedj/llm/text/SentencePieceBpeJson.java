package dev.seedj.llm.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Converts a sentencepiece BPE model into a Hugging Face {@code tokenizer.json} the way transformers'
 * {@code LlamaConverter} (with {@code SentencePieceExtractor}) does, so that the Rust BPE of
 * {@code ai.djl.huggingface:tokenizers} segments a text chunk exactly as sentencepiece does:
 * <ul>
 *   <li>model: BPE over every piece (id = position), {@code byte_fallback} as in the model, {@code fuse_unk},
 *       the unknown piece as {@code unk_token};</li>
 *   <li>merges: for every normal piece, each split into two pieces that are themselves in the vocabulary,
 *       ranked by the merged piece's score, highest first (sentencepiece merges the best-scoring pair first),
 *       ties by piece id then by the ids of the two halves;</li>
 *   <li>normalizer: the precompiled character map if the model has one, then {@code ▁} prepended (sentencepiece's
 *       {@code add_dummy_prefix}) and spaces replaced by {@code ▁}; no pre-tokenizer.</li>
 * </ul>
 * No added tokens and no post-processor: the tokenizer built from this JSON encodes plain text only; special
 * and added tokens are split off and decoding is done by {@link SentencePieceCodec}.
 *
 * <p>Stateless and thread-safe.
 */
final class SentencePieceBpeJson {
    private SentencePieceBpeJson() {}

    /**
     * @param model a parsed sentencepiece BPE model
     * @return the tokenizer.json object
     */
    static JsonObject convert(SentencePieceModel model) {
        List<SentencePieceModel.Piece> pieces = model.pieces();
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < pieces.size(); id++) {
            vocab.addProperty(pieces.get(id).piece(), id);
        }
        JsonObject bpe = new JsonObject();
        bpe.addProperty("type", "BPE");
        bpe.add("dropout", JsonNull.INSTANCE);
        bpe.addProperty("unk_token", pieces.get(model.unkId()).piece());
        bpe.add("continuing_subword_prefix", JsonNull.INSTANCE);
        bpe.add("end_of_word_suffix", JsonNull.INSTANCE);
        bpe.addProperty("fuse_unk", true);
        bpe.addProperty("byte_fallback", model.byteFallback());
        bpe.addProperty("ignore_merges", false);
        bpe.add("vocab", vocab);
        bpe.add("merges", merges(model));

        JsonArray normalizers = new JsonArray();
        byte[] charsmap = model.precompiledCharsmap();
        if (charsmap.length > 0) {
            JsonObject precompiled = new JsonObject();
            precompiled.addProperty("type", "Precompiled");
            precompiled.addProperty("precompiled_charsmap", Base64.getEncoder().encodeToString(charsmap));
            normalizers.add(precompiled);
        }
        if (model.addDummyPrefix()) {
            JsonObject prepend = new JsonObject();
            prepend.addProperty("type", "Prepend");
            prepend.addProperty("prepend", SentencePieceModel.SPACE_SYMBOL);
            normalizers.add(prepend);
        }
        JsonObject replace = new JsonObject();
        replace.addProperty("type", "Replace");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("String", " ");
        replace.add("pattern", pattern);
        replace.addProperty("content", SentencePieceModel.SPACE_SYMBOL);
        normalizers.add(replace);
        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "Sequence");
        normalizer.add("normalizers", normalizers);

        JsonObject out = new JsonObject();
        out.addProperty("version", "1.0");
        out.add("truncation", JsonNull.INSTANCE);
        out.add("padding", JsonNull.INSTANCE);
        out.add("added_tokens", new JsonArray());
        out.add("normalizer", normalizer);
        out.add("pre_tokenizer", JsonNull.INSTANCE);
        out.add("post_processor", JsonNull.INSTANCE);
        out.add("decoder", JsonNull.INSTANCE);
        out.add("model", bpe);
        return out;
    }

    /** One merge: the two halves and the merged piece's id and score. */
    private record Merge(String left, String right, int leftId, int rightId, int pieceId, float score) {}

    private static JsonArray merges(SentencePieceModel model) {
        List<SentencePieceModel.Piece> pieces = model.pieces();
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            if (p.type() != SentencePieceModel.PieceType.NORMAL) {
                continue; // control, unknown and byte pieces are never formed by merging text
            }
            String text = p.piece();
            // split between code points (a Python str slice), never inside a surrogate pair
            for (int cut = text.offsetByCodePoints(0, 1); cut < text.length(); cut = text.offsetByCodePoints(cut, 1)) {
                String left = text.substring(0, cut);
                String right = text.substring(cut);
                int leftId = model.id(left);
                int rightId = model.id(right);
                if (isNormal(model, leftId) && isNormal(model, rightId)) {
                    merges.add(new Merge(left, right, leftId, rightId, id, p.score()));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score())
                .thenComparingInt(Merge::pieceId)
                .thenComparingInt(Merge::leftId)
                .thenComparingInt(Merge::rightId));
        JsonArray out = new JsonArray();
        for (Merge m : merges) {
            JsonArray pair = new JsonArray();
            pair.add(m.left());
            pair.add(m.right());
            out.add(pair);
        }
        return out;
    }

    private static boolean isNormal(SentencePieceModel model, int id) {
        return id >= 0 && model.pieces().get(id).type() == SentencePieceModel.PieceType.NORMAL;
    }
}
