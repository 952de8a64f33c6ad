package io.github.dl4jcompress.cli.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Fashion-MNIST from IDX files: the subset bundled with the examples (10,000 train / 5,000 test, MIT licence beside
 * it), or the full set from a directory such as {@code /usr/share/datasets/fashion-mnist} (Debian's
 * {@code dataset-fashion-mnist}). Features are flat {@code [n, 784]} floats in [0, 1], labels one-hot {@code [n, 10]}.
 * Nothing is downloaded.
 */
public final class FashionMnist {

    public static final int CLASSES = 10;
    public static final int SIDE = 28;
    private static final String BUNDLED = "/fashion-mnist/";

    private final DataSet train;
    private final DataSet test;
    private final String source;

    private FashionMnist(DataSet train, DataSet test, String source) {
        this.train = train;
        this.test = test;
        this.source = source;
    }

    /** The bundled subset (from the classpath). */
    public static FashionMnist bundled() throws IOException {
        return new FashionMnist(load(BUNDLED, "train", null), load(BUNDLED, "t10k", null), "fashion-mnist (bundled subset)");
    }

    /** The IDX files ({@code train-images-idx3-ubyte[.gz]} etc.) in a directory. */
    public static FashionMnist fromDirectory(File dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new IOException("Fashion-MNIST directory " + dir + " does not exist (install Debian's dataset-fashion-mnist, "
                    + "or omit --data to use the bundled subset)");
        }
        return new FashionMnist(load(null, "train", dir), load(null, "t10k", dir), "fashion-mnist (" + dir + ")");
    }

    public DataSet train() {
        return train;
    }

    public DataSet test() {
        return test;
    }

    public String source() {
        return source;
    }

    private static DataSet load(String resourceDir, String prefix, File dir) throws IOException {
        IdxReader.Idx images = read(resourceDir, dir, prefix + "-images-idx3-ubyte");
        IdxReader.Idx labels = read(resourceDir, dir, prefix + "-labels-idx1-ubyte");
        int n = images.dims[0];
        if (labels.dims[0] != n || images.dims.length != 3 || images.dims[1] != SIDE || images.dims[2] != SIDE) {
            throw new IOException(prefix + ": images " + java.util.Arrays.toString(images.dims) + " do not match labels "
                    + java.util.Arrays.toString(labels.dims));
        }
        float[] x = new float[n * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (images.data[i] & 0xff) / 255f;
        }
        float[] y = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            int label = labels.data[i] & 0xff;
            if (label >= CLASSES) {
                throw new IOException(prefix + ": label " + label + " at " + i + " is not a Fashion-MNIST class");
            }
            y[i * CLASSES + label] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[]{n, SIDE * SIDE}, DataType.FLOAT);
        INDArray oneHot = Nd4j.create(y, new long[]{n, CLASSES}, DataType.FLOAT);
        return new DataSet(features, oneHot);
    }

    private static IdxReader.Idx read(String resourceDir, File dir, String name) throws IOException {
        if (dir != null) {
            File gz = new File(dir, name + ".gz");
            File plain = new File(dir, name);
            File f = gz.isFile() ? gz : plain;
            if (!f.isFile()) {
                throw new IOException("Missing " + gz + " (or " + plain + ")");
            }
            try (InputStream in = new FileInputStream(f)) {
                return IdxReader.read(in, f.toString());
            }
        }
        InputStream in = FashionMnist.class.getResourceAsStream(resourceDir + name + ".gz");
        if (in == null) {
            throw new IOException("Bundled resource " + resourceDir + name + ".gz is missing from the classpath");
        }
        try (in) {
            return IdxReader.read(in, name);
        }
    }
}
