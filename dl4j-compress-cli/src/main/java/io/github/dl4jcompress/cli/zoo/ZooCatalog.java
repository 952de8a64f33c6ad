package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.prune.InputShape;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.FaceNetNN4Small2;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.NASNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.TinyYOLO;
import org.deeplearning4j.zoo.model.UNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.VGG19;
import org.deeplearning4j.zoo.model.Xception;
import org.deeplearning4j.zoo.model.YOLO2;

import java.util.List;

/**
 * The convolutional models of deeplearning4j-zoo 1.0.0-M2.1, built with {@code init()} (random weights,
 * nothing downloaded), 10 classes, and input shapes reduced where the architecture allows so that the
 * whole catalog runs in minutes on two cores.
 */
public final class ZooCatalog {

    private static final int CLASSES = 10;

    private ZooCatalog() {
    }

    public static List<ZooEntry> all() {
        return List.of(
                entry("LeNet", "1x28x28", s -> net(LeNet.builder().numClasses(CLASSES).inputShape(s).build().init()), "default input"),
                entry("SimpleCNN", "3x48x48", s -> net(SimpleCNN.builder().numClasses(CLASSES).inputShape(s).build().init()), "default input"),
                entry("AlexNet", "3x224x224", s -> net(AlexNet.builder().numClasses(CLASSES).inputShape(s).build().init()), "default input"),
                entry("VGG16", "3x64x64", s -> net(VGG16.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x224x224"),
                entry("VGG19", "3x64x64", s -> net(VGG19.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x224x224"),
                entry("ResNet50", "3x96x96", s -> net(ResNet50.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x224x224"),
                entry("SqueezeNet", "3x64x64", s -> net(SqueezeNet.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x227x227"),
                entry("Darknet19", "3x64x64", s -> net(Darknet19.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x224x224"),
                entry("TinyYOLO", "3x128x128", s -> net(TinyYOLO.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x416x416 (4x4 grid)"),
                entry("YOLO2", "3x128x128", s -> net(YOLO2.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x608x608 (4x4 grid)"),
                entry("Xception", "3x96x96", s -> net(Xception.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x299x299"),
                entry("InceptionResNetV1", "3x160x160", s -> net(InceptionResNetV1.builder().numClasses(CLASSES).inputShape(s).build().init()),
                        "default input (bottleneck nIn is fixed at 5376)"),
                entry("NASNet", "3x64x64", s -> net(NASNet.builder().numClasses(CLASSES).inputShape(s).build().init()),
                        "input reduced from 3x224x224; cannot be built in DL4J 1.0.0-M2.1 at any input size: NASNet.graphBuilder() calls"
                                + " NASNetHelper.adjustBlock, which asks GraphBuilder.getLayerActivationTypes() before NASNet.init() has added"
                                + " the graph input (upstream bug, not a pruner limitation)"),
                entry("UNet", "3x64x64", s -> net(UNet.builder().numClasses(CLASSES).inputShape(s).build().init()), "input reduced from 3x512x512"),
                entry("FaceNetNN4Small2", "3x96x96", s -> net(FaceNetNN4Small2.builder().numClasses(CLASSES).inputShape(s).build().init()),
                        "default input"));
    }

    private static ZooEntry entry(String name, String shape, java.util.function.Function<int[], AnyNetwork> f, String note) {
        return new ZooEntry(name, InputShape.parse(shape), f, note);
    }

    private static AnyNetwork net(Model m) {
        return AnyNetwork.of(m);
    }
}
