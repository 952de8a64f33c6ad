package io.github.dl4jcompress.cli.bench;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.ssl.LeNet;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc bench-lenet}: training and inference throughput (examples/s) of the main job's LeNet on the bundled
 * data, for the current {@code OMP_NUM_THREADS}; appends one record to {@code results/lenet-throughput.json}.
 * A benchmark, not a test: run it on an otherwise idle machine.
 */
@Command(name = "bench-lenet", mixinStandardHelpOptions = true, description = "Measure LeNet training/inference examples per second.")
public final class LenetThroughputCommand implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "64")
    int batch;

    @Option(names = "--seconds", description = "measuring time per phase (default ${DEFAULT-VALUE})", defaultValue = "20")
    double seconds;

    @Mixin
    OutputDirOption outOption;

    @Override
    public Integer call() throws Exception {
        DataSet train = FashionMnist.bundled().train();
        MultiLayerNetwork net = new MultiLayerNetwork(LeNet.configuration(1, 0.01));
        net.init();
        ShuffledBatches batches = new ShuffledBatches(train, batch, 1, true);
        // warm-up
        for (int i = 0; i < 20; i++) {
            net.fit(nextBatch(batches));
        }
        long n = 0;
        long t0 = System.nanoTime();
        while ((System.nanoTime() - t0) / 1e9 < seconds) {
            net.fit(nextBatch(batches));
            n += batch;
        }
        double trainRate = n / ((System.nanoTime() - t0) / 1e9);
        INDArray x = train.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        for (int i = 0; i < 20; i++) {
            net.output(x, false);
        }
        n = 0;
        t0 = System.nanoTime();
        while ((System.nanoTime() - t0) / 1e9 < seconds) {
            net.output(x, false);
            n += batch;
        }
        double inferRate = n / ((System.nanoTime() - t0) / 1e9);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        r.put("nd4jThreads", Nd4j.getEnvironment().maxMasterThreads());
        r.put("batch", batch);
        r.put("trainExamplesPerSecond", Math.round(trainRate));
        r.put("inferenceExamplesPerSecond", Math.round(inferRate));
        System.out.println(r);
        File f = new File(outOption.dir(), "lenet-throughput.json");
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        java.util.List<Object> all = f.isFile() ? om.readValue(f, java.util.List.class) : new java.util.ArrayList<>();
        all.add(r);
        om.writeValue(f, all);
        return 0;
    }

    private static DataSet nextBatch(ShuffledBatches b) {
        if (!b.hasNext()) {
            b.reset();
        }
        return b.next();
    }
}
