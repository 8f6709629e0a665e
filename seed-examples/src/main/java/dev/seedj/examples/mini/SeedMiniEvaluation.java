package dev.seedj.examples.mini;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the bundled SEED-mini model on held-out scenes ({@link MiniMetrics}) at the acceptance sizes (500
 * captions of rendered pictures and 500 of each {@link Degradation}, 200 colour answers, 200 generations, 500
 * pictures for codebook usage, 100 retrieval candidates, rendered and degraded; captions, answers and generations
 * again with the LoRA adapter loaded), draws the grid of input / reconstruction / generated pictures, and writes
 * both into the model card: the figures replace the text between {@value #START} and {@value #END} in
 * {@code docs/seed-mini.md}; the grid goes to {@code docs/seed-mini-grid.png}.
 *
 * <p>Command line: {@code SeedMiniEvaluation [--models DIR] [--docs DIR] [--seed N] [--quick]} (test seed 7 by
 * default, the training seed; {@code --quick} measures 100 captions per picture kind, 50 answers, 50 generations).
 *
 * <p>Not thread-safe: one run at a time per docs folder.
 */
public final class SeedMiniEvaluation {
    private static final Logger LOG = LoggerFactory.getLogger(SeedMiniEvaluation.class);
    /** Marker before the generated results in the model card. */
    public static final String START = "<!-- seed-mini results: start -->";
    /** Marker after them. */
    public static final String END = "<!-- seed-mini results: end -->";
    private static final int GRID_COLUMNS = 8;
    /** How the card's rows name each degradation at its test strength. */
    private static final Map<Degradation, String> DEGRADED = Map.of(
            Degradation.BLUR, "pictures blurred (Gaussian, 2 px)",
            Degradation.LOW_RESOLUTION, "16 x 16 pictures",
            Degradation.FADE, "pictures faded 60% to white",
            Degradation.TINT, "pictures tinted 30% (four casts in turn)");
    private static final int SCALE = 2;

    private SeedMiniEvaluation() {}

    /**
     * Draws, for test scenes 0 .. 7, the input picture, its reconstruction (tokenize, detokenize, pixel decoder) and
     * the picture generated from its caption (SEED-OPT, detokenize, pixel decoder), one row each.
     *
     * @param model SEED-OPT
     * @param tokenizer the SEED-mini tokenizer
     * @param decoder its pixel decoder
     * @param test held-out world
     * @return the grid, 2x enlarged
     */
    public static BufferedImage grid(SeedOpt model, SeedTokenizer tokenizer, PixelDecoder decoder, ShapesWorld test) {
        int cell = PixelDecoder.SIZE * SCALE;
        int gap = 4;
        BufferedImage grid = new BufferedImage(GRID_COLUMNS * (cell + gap) + gap, 3 * (cell + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(new Color(128, 128, 128));
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int c = 0; c < GRID_COLUMNS; c++) {
                ShapeSample sample = test.sample(c);
                BufferedImage reconstruction = decoder.draw(tokenizer.detokenize(tokenizer.tokenize(sample.image()))[0],
                        manager);
                BufferedImage generated = decoder.draw(model.generateConditioning(sample.caption())[0], manager);
                BufferedImage[] column = {sample.image(), reconstruction, generated};
                for (int r = 0; r < 3; r++) {
                    g.drawImage(column[r], gap + c * (cell + gap), gap + r * (cell + gap), cell, cell, null);
                }
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    /**
     * Runs the measurements and writes the docs.
     *
     * @param models the SEED-mini folder ({@code stage1/}, {@code tokenizer/}, {@code llm/}, {@code adapter/})
     * @param docs the docs folder holding {@code seed-mini.md}
     * @param seed the world seed (test split)
     * @param quick measure the smaller sizes of the unit test
     * @return the results as markdown
     */
    public static String evaluate(Path models, Path docs, long seed, boolean quick) {
        ShapesWorld test = ShapesWorld.test(seed);
        int captions = quick ? 100 : 500;
        int generations = quick ? 50 : 200;
        int answers = quick ? 50 : 200;
        StringBuilder md = new StringBuilder();
        try (SeedTokenizer tokenizer = SeedTokenizer.load(models.resolve("tokenizer"));
                SeedOpt model = SeedOpt.load(models.resolve("llm"), null, tokenizer);
                SeedOpt tuned = SeedOpt.load(models.resolve("llm"), models.resolve("adapter"), tokenizer);
                NDManager manager = NDManager.newBaseManager()) {
            PixelDecoder decoder = PixelDecoder.load(models.resolve("tokenizer"), manager);
            long t0 = System.nanoTime();
            MiniMetrics.Share caption = MiniMetrics.captionAccuracy(model, test, captions);
            long t1 = System.nanoTime();
            MiniMetrics.Share generation = MiniMetrics.generationAccuracy(model, decoder, test, generations);
            long t2 = System.nanoTime();
            Map<Degradation, MiniMetrics.Share> degraded = new EnumMap<>(Degradation.class);
            for (Degradation d : Degradation.values()) {
                degraded.put(d, MiniMetrics.captionAccuracy(model, test, captions, d));
            }
            MiniMetrics.Share colour = MiniMetrics.colourAnswers(model, test, answers);
            MiniMetrics.Share usage = MiniMetrics.codebookUsage(tokenizer, test, 500);
            MiniMetrics.Share retrieval = MiniMetrics.retrievalAtOne(models.resolve("stage1"), test, 100);
            Map<Degradation, MiniMetrics.Share> degradedRetrieval = new EnumMap<>(Degradation.class);
            for (Degradation d : Degradation.values()) {
                degradedRetrieval.put(d, MiniMetrics.retrievalAtOne(models.resolve("stage1"), test, 100, d));
            }
            MiniMetrics.Share tunedCaption = MiniMetrics.captionAccuracy(tuned, test, captions);
            MiniMetrics.Share tunedColour = MiniMetrics.colourAnswers(tuned, test, answers);
            MiniMetrics.Share tunedGeneration = MiniMetrics.generationAccuracy(tuned, decoder, test, generations);
            LOG.info("caption {} ({} s), generation {} ({} s), degraded {}, colour answers {}, usage {}, retrieval {}"
                    + " (degraded {}), with the adapter: caption {}, colour answers {}, generation {}", caption,
                    secs(t0, t1), generation, secs(t1, t2), degraded, colour, usage, retrieval, degradedRetrieval,
                    tunedCaption, tunedColour, tunedGeneration);
            md.append("| Measurement (held-out scenes, `ShapesWorld.test(").append(seed).append(")`) | Result | Bound |\n")
                    .append("|---|---|---|\n")
                    .append(row("`caption`: all four attributes right, " + captions + " pictures", caption, ">= 99%"));
            for (Degradation d : Degradation.values()) {
                md.append(row("`caption` of " + DEGRADED.get(d) + ", " + captions + " pictures", degraded.get(d),
                        ">= 90%"));
            }
            md.append(row("`answer(image, \"" + MiniWorldText.COLOUR_QUESTION + "\")` is the colour, " + answers
                            + " pictures", colour, ">= 95%"))
                    .append(row("`generateConditioning` + `PixelDecoder`: judged colour and shape right, "
                            + generations + " captions", generation, ">= 85%"))
                    .append(row("codebook usage, 500 test pictures", usage, ">= 25%"))
                    .append(row("stage-1 image-to-text retrieval R@1 among 100", retrieval, ">= 90%"));
            for (Degradation d : Degradation.values()) {
                md.append(row("stage-1 retrieval R@1 among 100 of " + DEGRADED.get(d), degradedRetrieval.get(d),
                        "no bound (diagnostic)"));
            }
            md.append(row("with the LoRA adapter (`--adapter models/seed-mini/adapter`): `caption`, " + captions
                            + " pictures", tunedCaption, ">= 95%"))
                    .append(row("with the LoRA adapter: colour answers, " + answers + " pictures", tunedColour,
                            ">= 95%"))
                    .append(row("with the LoRA adapter: generation judged right, " + generations + " captions",
                            tunedGeneration, ">= 85%"));
            md.append("\nCaptioning took ").append(secs(t0, t1)).append(" s for ").append(captions)
                    .append(" pictures and generation ").append(secs(t1, t2)).append(" s for ").append(generations)
                    .append(" captions on this machine.\n");
            appendFailures(md, "caption", caption);
            for (Degradation d : Degradation.values()) {
                appendFailures(md, d.word() + " caption", degraded.get(d));
            }
            appendFailures(md, "colour answer", colour);
            appendFailures(md, "generation", generation);
            Files.createDirectories(docs);
            ImageIO.write(grid(model, tokenizer, decoder, test), "png", docs.resolve("seed-mini-grid.png").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        md.append(trainingTimes(models));
        writeIntoCard(docs.resolve("seed-mini.md"), md.toString());
        return md.toString();
    }

    private static String trainingTimes(Path models) {
        Path report = models.resolve(SeedMiniRecipe.REPORT_FILE);
        if (!Files.isRegularFile(report)) {
            return "";
        }
        try {
            JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
            JsonObject seconds = json.getAsJsonObject("seconds");
            StringBuilder sb = new StringBuilder("\n| Training phase | Seconds |\n|---|---|\n");
            double total = 0;
            for (String phase : SeedMiniRecipe.PHASES) {
                if (seconds.has(phase)) {
                    double s = seconds.get(phase).getAsDouble();
                    total += s;
                    sb.append("| ").append(phase).append(" | ").append(String.format(Locale.ROOT, "%.0f", s))
                            .append(" |\n");
                }
            }
            sb.append("| total | ").append(String.format(Locale.ROOT, "%.0f", total)).append(" |\n");
            return sb.toString();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + report + ": " + e.getMessage(), e);
        }
    }

    private static void appendFailures(StringBuilder md, String what, MiniMetrics.Share share) {
        if (!share.failures().isEmpty()) {
            md.append("\nSome ").append(what).append(" failures: ").append(String.join("; ", share.failures()))
                    .append(".\n");
        }
    }

    private static String row(String what, MiniMetrics.Share share, String bound) {
        return "| " + what + " | " + share + " | " + bound + " |\n";
    }

    private static String secs(long from, long to) {
        return String.format(Locale.ROOT, "%.0f", (to - from) / 1e9);
    }

    private static void writeIntoCard(Path card, String results) {
        try {
            String text = Files.isRegularFile(card) ? Files.readString(card, StandardCharsets.UTF_8) : "";
            int start = text.indexOf(START);
            int end = text.indexOf(END);
            String block = START + "\n" + results + END;
            String updated = start >= 0 && end > start
                    ? text.substring(0, start) + block + text.substring(end + END.length())
                    : text + "\n" + block + "\n";
            Files.writeString(card, updated, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + card, e);
        }
    }

    /**
     * @param args {@code [--models DIR] [--docs DIR] [--seed N] [--quick]}
     */
    public static void main(String[] args) {
        Path models = Path.of("models/seed-mini");
        Path docs = Path.of("docs");
        long seed = 7;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = Path.of(args[++i]);
                case "--docs" -> docs = Path.of(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: [--models DIR] [--docs DIR] [--seed N] [--quick]");
            }
        }
        LOG.info("SEED-mini results:\n{}", evaluate(models, docs, seed, quick));
    }
}
