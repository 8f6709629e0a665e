package dev.seedj.llm;

import ai.djl.nn.Parameter;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain-Java, double-precision OPT forward pass for one unpadded sequence, written straight from Hugging
 * Face's modeling_opt.py, as an independent reference for the network code (post-LayerNorm, project_in/out,
 * separate lm_head, LoRA updates).
 */
final class ReferenceOpt {
    private final OptConfig c;
    private final Map<String, float[]> w = new HashMap<>();
    private final Map<String, Float> scaling;

    /**
     * @param config the architecture
     * @param params the model's parameters by name (LoRA factors included)
     * @param scaling LoRA scaling per adapted module name
     */
    ReferenceOpt(OptConfig config, Map<String, Parameter> params, Map<String, Float> scaling) {
        this.c = config;
        params.forEach((k, v) -> w.put(k, v.getArray().toFloatArray()));
        this.scaling = scaling;
    }

    /** @return logits [T][vocab] */
    double[][] logits(long[] ids) {
        double[][] h = hidden(ids);
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("model.decoder.embed_tokens.weight");
        return linear(h, head, null, c.vocabSize(), c.wordEmbedProjDim());
    }

    /** @return last hidden state [T][word_embed_proj_dim] */
    double[][] hidden(long[] ids) {
        int t = ids.length;
        int d = c.hiddenSize();
        int p = c.wordEmbedProjDim();
        String dec = "model.decoder.";
        float[] embed = w.get(dec + "embed_tokens.weight");
        double[][] x = new double[t][p];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < p; j++) {
                x[i][j] = embed[(int) ids[i] * p + j];
            }
        }
        if (c.hasProjections()) {
            x = linear(x, w.get(dec + "project_in.weight"), null, d, p);
        }
        float[] pos = w.get(dec + "embed_positions.weight");
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] += pos[(i + 2) * d + j];
            }
        }
        for (int l = 0; l < c.numLayers(); l++) {
            x = layer(x, dec + "layers." + l + ".");
        }
        if (c.hasFinalLayerNorm()) {
            x = layerNorm(x, dec + "final_layer_norm");
        }
        if (c.hasProjections()) {
            x = linear(x, w.get(dec + "project_out.weight"), null, p, d);
        }
        return x;
    }

    private double[][] layer(double[][] x, String pre) {
        boolean before = c.layerNormBefore();
        double[][] h = before ? layerNorm(x, pre + "self_attn_layer_norm") : x;
        h = add(x, attention(h, pre + "self_attn."));
        if (!before) {
            h = layerNorm(h, pre + "self_attn_layer_norm");
        }
        double[][] f = before ? layerNorm(h, pre + "final_layer_norm") : h;
        f = proj(f, pre + "fc1", c.ffnDim(), c.hiddenSize());
        for (double[] row : f) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.max(0, row[j]);
            }
        }
        f = proj(f, pre + "fc2", c.hiddenSize(), c.ffnDim());
        h = add(h, f);
        return before ? h : layerNorm(h, pre + "final_layer_norm");
    }

    private double[][] attention(double[][] x, String pre) {
        int t = x.length;
        int d = c.hiddenSize();
        int heads = c.numHeads();
        int hd = d / heads;
        double[][] q = proj(x, pre + "q_proj", d, d);
        double[][] k = proj(x, pre + "k_proj", d, d);
        double[][] v = proj(x, pre + "v_proj", d, d);
        double[][] out = new double[t][d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][h * hd + e] * k[j][h * hd + e];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double total = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    total += s[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int e = 0; e < hd; e++) {
                        out[i][h * hd + e] += s[j] / total * v[j][h * hd + e];
                    }
                }
            }
        }
        return proj(out, pre + "out_proj", d, d);
    }

    /** A projection with its bias and, when adapted, its LoRA update. */
    private double[][] proj(double[][] x, String module, int out, int in) {
        double[][] y = linear(x, w.get(module + ".weight"), w.get(module + ".bias"), out, in);
        float[] a = w.get(module + ".lora_A.weight");
        if (a != null) {
            float[] b = w.get(module + ".lora_B.weight");
            int r = a.length / in;
            double[][] down = linear(x, a, null, r, in);
            double[][] up = linear(down, b, null, out, r);
            double s = scaling.get(module);
            for (int i = 0; i < y.length; i++) {
                for (int j = 0; j < out; j++) {
                    y[i][j] += s * up[i][j];
                }
            }
        }
        return y;
    }

    private static double[][] linear(double[][] x, float[] weight, float[] bias, int out, int in) {
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int e = 0; e < in; e++) {
                    acc += x[i][e] * weight[o * in + e];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String name) {
        float[] g = w.get(name + ".weight");
        float[] b = w.get(name + ".bias");
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            double mean = 0;
            for (double v : x[i]) {
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= n;
            y[i] = new double[n];
            for (int j = 0; j < n; j++) {
                y[i][j] = (x[i][j] - mean) / Math.sqrt(var + 1e-5) * g[j] + b[j];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            y[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                y[i][j] = a[i][j] + b[i][j];
            }
        }
        return y;
    }
}
