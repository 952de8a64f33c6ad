package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Checks, before training, that the executors can load every layer and regularizer class of a configuration. A class
 * missing on the executors otherwise surfaces as a {@code ClassNotFoundException} deep inside a task failure (after
 * Spark's retries); this check fails at once with the layer, the class, and the fix.
 *
 * <p>It runs a small Spark job ({@code 2 × executors} tasks) in which each task calls {@code Class.forName} for the
 * class names; tasks of a job usually, but not provably, reach every executor.
 */
public final class ExecutorClasspathCheck {

    private ExecutorClasspathCheck() {
    }

    /** @throws IllegalStateException naming the layers and classes the executors cannot load */
    public static void verify(JavaSparkContext sc, MultiLayerConfiguration conf) {
        Map<String, String> classes = new LinkedHashMap<>();
        for (NeuralNetConfiguration c : conf.getConfs()) {
            collect(c.getLayer(), classes);
        }
        verify(sc, classes);
    }

    /** As {@link #verify(JavaSparkContext, MultiLayerConfiguration)}, for a graph. */
    public static void verify(JavaSparkContext sc, ComputationGraphConfiguration conf) {
        Map<String, String> classes = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            classes.putIfAbsent(e.getValue().getClass().getName(), "vertex '" + e.getKey() + "'");
            if (e.getValue() instanceof LayerVertex lv) {
                collect(lv.getLayerConf().getLayer(), classes);
            }
        }
        verify(sc, classes);
    }

    private static void collect(Layer layer, Map<String, String> classes) {
        String name = "layer '" + layer.getLayerName() + "'";
        classes.putIfAbsent(layer.getClass().getName(), name);
        if (layer instanceof BaseLayer b) {
            for (List<Regularization> list : List.of(nonNull(b.getRegularization()), nonNull(b.getRegularizationBias()))) {
                for (Regularization r : list) {
                    classes.putIfAbsent(r.getClass().getName(), name + " regularizer");
                }
            }
        }
    }

    private static List<Regularization> nonNull(List<Regularization> l) {
        return l == null ? List.of() : l;
    }

    private static void verify(JavaSparkContext sc, Map<String, String> classes) {
        List<String> names = new ArrayList<>(classes.keySet());
        int executors = Math.max(1, sc.sc().getExecutorIds().size());
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < 2 * executors; i++) {
            slots.add(i);
        }
        List<String> missing = sc.parallelize(slots, slots.size()).flatMap(i -> {
            List<String> out = new ArrayList<>();
            for (String n : names) {
                try {
                    Class.forName(n, false, Thread.currentThread().getContextClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    out.add(n + "@executor " + SparkUtils.getSparkExecutorId());
                }
            }
            return out.iterator();
        }).collect();
        if (!missing.isEmpty()) {
            TreeSet<String> report = new TreeSet<>();
            for (String m : missing) {
                String cls = m.substring(0, m.indexOf('@'));
                report.add(cls + " (" + classes.get(cls) + ", " + m.substring(m.indexOf('@') + 1) + ")");
            }
            throw new IllegalStateException("Spark executors cannot load classes of the network configuration: " + report
                    + ". Ship the jar that contains them (spark-submit --jars, a shaded application jar, or "
                    + "spark.executor.extraClassPath)");
        }
    }
}
