package io.github.dl4jcompress.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.DatagramSocket;

import org.apache.spark.SparkConf;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guards of {@link SafeSharedTrainingMaster}, the port supplier and the TernGrad reducer (no Spark job). */
class SafeSharedTrainingMasterTest {

    @Test
    void dl4jStaticPortSupplierIgnoresItsPortWhichIsWhyWeReplaceIt() {
        assertEquals(49876, new StaticPortSupplier(40123).getPort());
    }

    @Test
    void jvmPortIsStableFreeAndNotTheDl4jDefault() throws Exception {
        JvmFreePortSupplier s = new JvmFreePortSupplier();
        int p = s.getPort();
        assertEquals(p, s.getPort());
        assertEquals(p, new JvmFreePortSupplier().getPort(), "one port per JVM");
        assertEquals(p, roundTrip(s).getPort());
        assertNotEquals(49876, p);
        assertTrue(JvmFreePortSupplier.isFree(JvmFreePortSupplier.choose(0)));
        try (DatagramSocket busy = new DatagramSocket(0)) {
            assertTrue(!JvmFreePortSupplier.isFree(busy.getLocalPort()));
            assertTrue(JvmFreePortSupplier.choose(busy.getLocalPort()) > busy.getLocalPort());
        }
        assertThrows(IllegalArgumentException.class, () -> new JvmFreePortSupplier(70000));
    }

    @Test
    void unsafeSparkSettingsAreRejectedWithTheSettingNamed() {
        SafeSharedTrainingMaster.Builder b = SafeSharedTrainingMaster.builder(16).controllerAddress("127.0.0.1");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.build(new SparkConf().setMaster("local[2]")));
        assertTrue(e.getMessage().contains("local[2]"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> b.build(new SparkConf().setMaster("local-cluster[2,2,1024]")
                .set("spark.executor.extraJavaOptions", SparkSettings.executorJavaOptions(""))));
        assertTrue(e.getMessage().contains("local-cluster[n,1,mb]"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> b.build(new SparkConf().setMaster("spark://h:7077")
                .set("spark.executor.cores", "4")));
        assertTrue(e.getMessage().contains("spark.executor.cores=4"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> b.build(new SparkConf().setMaster("spark://h:7077")
                .set("spark.executor.extraJavaOptions", "-Daeron.publication.unblock.timeout=15000000000")));
        assertTrue(e.getMessage().contains("15000000000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SafeSharedTrainingMaster.builder(0));
    }

    @Test
    void safeMasterHasOneWorkerPerNodeOurPortSupplierAndTheAeronTimeout() {
        SharedTrainingMaster m = SafeSharedTrainingMaster.builder(16).controllerAddress("127.0.0.1").workersPerNode(4)
                .ternGrad(2.5, 1).build(new SparkConf().setMaster("spark://h:7077")
                        .set("spark.executor.extraJavaOptions", SparkSettings.executorJavaOptions("")));
        assertEquals(1, m.getNumWorkersPerNode());
        assertInstanceOf(JvmFreePortSupplier.class, m.getVoidConfiguration().getPortSupplier());
        assertEquals("127.0.0.1", m.getVoidConfiguration().getControllerAddress());
        assertInstanceOf(ExecutorSeededTernGrad.class, m.getThresholdAlgorithm());
        assertTrue(Long.parseLong(System.getProperty(SparkSettings.AERON_UNBLOCK_PROPERTY)) > SparkSettings.DL4J_AERON_LIVENESS_NS);
    }

    @Test
    void perLayerTernGradBuildsItsOwnMasterWithTheSameGuards() {
        SparkConf conf = new SparkConf().setMaster("local[1]");
        SharedTrainingMaster m = SafeSharedTrainingMaster.builder(16).controllerAddress("127.0.0.1").workersPerNode(3)
                .ternGradPerLayer(2.0, 5).build(conf);
        PerLayerTernGradTrainingMaster perLayer = assertInstanceOf(PerLayerTernGradTrainingMaster.class, m);
        assertEquals(2.0, perLayer.clipFactor());
        assertEquals(5, perLayer.seed());
        assertEquals(1, m.getNumWorkersPerNode());
        assertInstanceOf(JvmFreePortSupplier.class, m.getVoidConfiguration().getPortSupplier());
        assertEquals(0, perLayer.messagesReceivedByDriver());
        // choosing DL4J's sharing afterwards switches back to DL4J's master
        SharedTrainingMaster back = SafeSharedTrainingMaster.builder(16).ternGradPerLayer(2.0, 5).ternGrad(2.5, 1)
                .build(conf);
        assertEquals(SharedTrainingMaster.class, back.getClass());
        // bad settings fail on the driver, before anything is broadcast
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeSharedTrainingMaster.builder(16).ternGradPerLayer(0, 5));
        assertTrue(e.getMessage().contains("Clip factor") && e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> SafeSharedTrainingMaster.builder(16).ternGradPerLayer(2.5, 5)
                .build(new SparkConf().setMaster("local[2]")));
    }

    @Test
    void ternGradReducerKeepsTheParametersAndRejectsForeignAlgorithms() throws Exception {
        ExecutorSeededTernGrad a = new ExecutorSeededTernGrad(2.5, 7);
        ThresholdAlgorithmReducer r = a.newReducer();
        r.add(roundTrip(a));
        ThresholdAlgorithmReducer r2 = a.newReducer();
        r2.add(a.clone());
        ExecutorSeededTernGrad reduced = (ExecutorSeededTernGrad) roundTrip(r).merge(r2).getFinalResult();
        assertEquals(2.5, reduced.getClipFactor());
        assertEquals(7, reduced.getSeed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.add(new AdaptiveThresholdAlgorithm()));
        assertTrue(e.getMessage().contains("AdaptiveThresholdAlgorithm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.add(new ExecutorSeededTernGrad(3.0, 7)));
        assertThrows(IllegalArgumentException.class, () -> new ExecutorSeededTernGrad(-1, 7));
        assertNotEquals(ExecutorSeededTernGrad.executorSeed(7, "0"), ExecutorSeededTernGrad.executorSeed(7, "1"));
    }

    @Test
    void ternGradLeavesOnlyMinusSZeroPlusS() {
        ExecutorSeededTernGrad t = new ExecutorSeededTernGrad(2.5, 3);
        INDArray g = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1000);
        double s = t.calculateThreshold(0, 0, null, null, null, g);
        assertTrue(s > 0);
        for (int i = 0; i < g.length(); i++) {
            double v = g.getDouble(i);
            assertTrue(v == 0 || Math.abs(Math.abs(v) - s) < 1e-6 * s, "element " + i + " = " + v + ", s = " + s);
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
