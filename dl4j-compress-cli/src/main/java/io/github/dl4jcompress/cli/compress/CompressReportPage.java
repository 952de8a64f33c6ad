package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cost.LayerCost;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.compress.CompressionReport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The self-contained HTML report of {@code dl4jc compress}: one file, the charts inline as base64 PNGs — MAC fraction
 * vs the controller's reference over the iterations, accuracy per phase, kept filters / channels / shapes per layer,
 * latency before and after — and the tables behind them.
 */
final class CompressReportPage {

    private CompressReportPage() {
    }

    static String html(String title, CompressionReport r, Map<String, Object> summary) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font-family:sans-serif;max-width:1000px;margin:1em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}")
                .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}td:first-child{text-align:left}")
                .append(".met{color:#070;font-weight:bold}.notmet{color:#a00;font-weight:bold}img{max-width:100%}</style></head><body>");
        h.append("<h1>").append(esc(title)).append("</h1>");
        boolean met = "met".equals(r.status);
        h.append("<p>Status: <span class=\"").append(met ? "met" : "notmet").append("\">").append(esc(r.status)).append("</span></p>");
        h.append("<table><tr><th></th><th>validation accuracy</th><th>test accuracy</th><th>MACs</th><th>MAC fraction</th><th>parameters</th>")
                .append("<th>residual blocks</th><th>latency (ms, batch ").append(r.latencyBatch).append(")</th></tr>");
        row(h, "baseline", r.baseline);
        row(h, "control (dense, same extra epochs)", r.control);
        if (r.compressed != null && r.compressed != r.result) {
            row(h, "compressed to the budget (fine-tuned)", r.compressed);
        }
        row(h, "result", r.result);
        h.append("</table>");
        h.append(String.format("<p>Budget: %s; maximum drop %.2f points below the better of baseline and control (validation). "
                        + "Result: %.2f points lost, speedup %.2fx, training overhead of Group Lasso + controller + zeroing %.2fx per iteration.</p>",
                esc(String.valueOf(r.budget)), 100 * r.maxDrop, r.drop == null ? Double.NaN : 100 * r.drop,
                r.speedup == null ? Double.NaN : r.speedup, r.overhead == null ? Double.NaN : r.overhead));
        for (String n : r.notes) {
            h.append("<p>").append(esc(n)).append("</p>");
        }

        File tmp = Files.createTempDirectory("dl4jc-report").toFile();
        try {
            Map<String, List<double[]>> mac = new LinkedHashMap<>();
            List<double[]> measured = new ArrayList<>();
            List<double[]> reference = new ArrayList<>();
            int offset = 0;
            int lastRound = 1;
            int lastIteration = 0;
            for (CompressionReport.Step s : r.history) {
                if (s.round != lastRound) {
                    offset += lastIteration + 1;
                    lastRound = s.round;
                }
                lastIteration = s.iteration;
                measured.add(new double[]{offset + s.iteration, s.macFraction});
                reference.add(new double[]{offset + s.iteration, s.reference});
            }
            mac.put("MAC fraction (exact, pruned)", measured);
            mac.put("controller reference", reference);
            List<double[]> target = new ArrayList<>();
            if (!measured.isEmpty() && r.rounds.size() > 0) {
                double t = r.rounds.get(0).macTarget;
                target.add(new double[]{0, t});
                target.add(new double[]{measured.get(measured.size() - 1)[0], t});
                mac.put("MAC target", target);
            }
            h.append("<h2>MAC fraction vs target over the Group Lasso iterations</h2>");
            h.append(img(tmp, "mac", f -> Charts.line(f, "Auto-λ: MAC fraction of the dense network", "iteration", "MAC fraction", mac)));

            Map<String, Map<String, Double>> acc = new LinkedHashMap<>();
            Map<String, Double> val = new LinkedHashMap<>();
            Map<String, Double> test = new LinkedHashMap<>();
            put(val, test, "baseline", r.baseline);
            put(val, test, "control", r.control);
            for (CompressionReport.Round round : r.rounds) {
                val.put("sparse (round " + round.round + ")", 100 * round.sparseAccuracy);
            }
            put(val, test, "fine-tuned", r.compressed);
            put(val, test, "result", r.result);
            acc.put("validation", val);
            if (!test.isEmpty()) {
                acc.put("test", test);
            }
            h.append("<h2>Accuracy per phase (%)</h2>");
            h.append(img(tmp, "acc", f -> Charts.bars(f, "Accuracy per phase", "", "accuracy %", acc)));

            List<LayerCost> before = r.baseline.layers;
            List<LayerCost> after = r.result.layers;
            Map<String, Map<String, Double>> kept = new LinkedHashMap<>();
            Map<String, Double> keptBefore = new LinkedHashMap<>();
            Map<String, Double> keptAfter = new LinkedHashMap<>();
            h.append("<h2>Per layer: kept filters / channels / shapes</h2><table><tr><th>layer</th><th>type</th><th>filters</th><th>channels</th>")
                    .append("<th>shapes (non-zero)</th><th>MACs before</th><th>MACs after</th></tr>");
            for (LayerCost b : before == null ? List.<LayerCost>of() : before) {
                if (b.getFilters() < 0) {
                    continue;
                }
                LayerCost a = after == null ? null : after.stream().filter(x -> x.getName().equals(b.getName())).findFirst().orElse(null);
                h.append("<tr><td>").append(esc(b.getName())).append("</td><td>").append(esc(b.getType())).append("</td><td>")
                        .append(a == null ? "removed" : a.getKeptFilters() + " / " + b.getFilters()).append("</td><td>")
                        .append(a == null ? "-" : a.getKeptChannels() + " / " + b.getChannels()).append("</td><td>")
                        .append(a == null || a.getShapes() < 0 ? "-" : a.getKeptShapes() + " / " + b.getShapes()).append("</td><td>")
                        .append(b.getMacs()).append("</td><td>").append(a == null ? 0 : a.getMacs()).append("</td></tr>");
                keptBefore.put(b.getName(), (double) b.getFilters());
                keptAfter.put(b.getName(), a == null ? 0.0 : (double) a.getKeptFilters());
            }
            h.append("</table>");
            kept.put("filters before", keptBefore);
            kept.put("filters kept", keptAfter);
            h.append(img(tmp, "kept", f -> Charts.bars(f, "Filters (units) per layer", "", "filters", kept)));
            if (r.baseline.blocks != null) {
                h.append(String.format("<p>Residual blocks: %d before, %d after.</p>", r.baseline.blocks, r.result.blocks));
            }

            if (r.baseline.latencyMs != null && r.result.latencyMs != null) {
                Map<String, Map<String, Double>> lat = new LinkedHashMap<>();
                lat.put("latency", new LinkedHashMap<>(Map.of("dense", r.baseline.latencyMs, "result", r.result.latencyMs)));
                h.append("<h2>Latency (median forward pass, batch ").append(r.latencyBatch).append(", ms; same run)</h2>");
                h.append(img(tmp, "lat", f -> Charts.bars(f, "Forward time per batch", "", "ms", lat)));
            }
            h.append("<h2>Phases</h2><table><tr><th>phase</th><th>epochs</th><th>iterations</th><th>seconds</th><th>s / iteration</th></tr>");
            for (CompressionReport.Phase p : r.phases) {
                h.append(String.format("<tr><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td><td>%s</td></tr>", esc(p.name), p.epochs, p.iterations,
                        p.seconds, p.secondsPerIteration == null ? "-" : String.format("%.4f", p.secondsPerIteration)));
            }
            h.append("</table>");
        } finally {
            File[] files = tmp.listFiles();
            for (File f : files == null ? new File[0] : files) {
                Files.deleteIfExists(f.toPath());
            }
            Files.deleteIfExists(tmp.toPath());
        }
        h.append("<h2>Summary JSON</h2><pre>").append(esc(String.valueOf(summary))).append("</pre></body></html>");
        return h.toString();
    }

    private interface ChartWriter {
        void write(File png) throws IOException;
    }

    private static String img(File dir, String name, ChartWriter w) throws IOException {
        File png = new File(dir, name + ".png");
        w.write(png);
        return "<img alt=\"" + name + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(png.toPath())) + "\">";
    }

    private static void put(Map<String, Double> val, Map<String, Double> test, String name, CompressionReport.Snapshot s) {
        if (s == null) {
            return;
        }
        val.put(name, 100 * s.accuracy);
        if (s.testAccuracy != null) {
            test.put(name, 100 * s.testAccuracy);
        }
    }

    private static void row(StringBuilder h, String name, CompressionReport.Snapshot s) {
        if (s == null) {
            return;
        }
        h.append(String.format("<tr><td>%s</td><td>%.2f%%</td><td>%s</td><td>%d</td><td>%.1f%%</td><td>%d</td><td>%s</td><td>%s</td></tr>",
                esc(name), 100 * s.accuracy, s.testAccuracy == null ? "-" : String.format("%.2f%%", 100 * s.testAccuracy), s.macs,
                100 * s.macFraction, s.params, s.blocks == null ? "-" : s.blocks, s.latencyMs == null ? "-" : String.format("%.2f", s.latencyMs)));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static void write(File file, String html) throws IOException {
        Files.writeString(file.toPath(), html, StandardCharsets.UTF_8);
    }
}
