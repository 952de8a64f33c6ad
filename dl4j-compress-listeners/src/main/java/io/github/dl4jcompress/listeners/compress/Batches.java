package io.github.dl4jcompress.listeners.compress;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The procedure's data, read once into memory as mini-batches (so every phase sees the same batches, a resumed run
 * the same order, and a validation split needs no second pass). Epoch order: the batches shuffled by
 * {@code Random(seed · 31 + phase · 1009 + epoch)} — deterministic per phase and epoch, whatever ran before.
 */
final class Batches {

    private final List<MultiDataSet> batches;

    private Batches(List<MultiDataSet> batches) {
        this.batches = List.copyOf(batches);
    }

    static Batches read(DataSetIterator it, String what) {
        if (it == null) {
            throw new IllegalArgumentException("SslCompression: " + what + " data is null");
        }
        if (it.resetSupported()) {
            it.reset();
        }
        List<MultiDataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet d = it.next();
            out.add(new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(), d.getLabelsMaskArray()));
        }
        return checked(out, what);
    }

    static Batches read(MultiDataSetIterator it, String what) {
        if (it == null) {
            throw new IllegalArgumentException("SslCompression: " + what + " data is null");
        }
        if (it.resetSupported()) {
            it.reset();
        }
        List<MultiDataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return checked(out, what);
    }

    private static Batches checked(List<MultiDataSet> out, String what) {
        if (out.isEmpty()) {
            throw new IllegalArgumentException("SslCompression: the " + what + " data has no mini-batches");
        }
        for (int i = 0; i < out.size(); i++) {
            MultiDataSet m = out.get(i);
            if (m.getLabels() == null || m.getLabels().length == 0 || m.getLabels(0) == null) {
                throw new IllegalArgumentException("SslCompression: " + what + " mini-batch " + i + " has no labels");
            }
            for (INDArray f : m.getFeatures()) {
                if (f.isNaN().any() || f.isInfinite().any()) {
                    throw new IllegalArgumentException("SslCompression: " + what + " mini-batch " + i + " has NaN or infinite features");
                }
            }
        }
        return new Batches(out);
    }

    /**
     * Splits off the last {@code fraction} of the examples as validation (whole batches, then the examples of the
     * boundary batch split), the rest for training.
     */
    Batches[] split(double fraction) {
        long total = examples();
        long validation = Math.max(1, Math.round(total * fraction));
        List<MultiDataSet> train = new ArrayList<>();
        List<MultiDataSet> val = new ArrayList<>();
        long trainTarget = total - validation;
        long seen = 0;
        for (MultiDataSet m : batches) {
            long n = m.getFeatures(0).size(0);
            if (seen + n <= trainTarget) {
                train.add(m);
            } else if (seen >= trainTarget) {
                val.add(m);
            } else {
                int cut = (int) (trainTarget - seen);
                train.add(slice(m, 0, cut));
                val.add(slice(m, cut, n));
            }
            seen += n;
        }
        if (train.isEmpty()) {
            throw new IllegalArgumentException("SslCompression: " + total + " training examples are too few to split off "
                    + Math.round(100 * fraction) + "% for validation; pass validation data");
        }
        return new Batches[]{new Batches(train), new Batches(val)};
    }

    private static MultiDataSet slice(MultiDataSet m, long from, long to) {
        INDArray[] f = new INDArray[m.getFeatures().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = rows(m.getFeatures(i), from, to);
        }
        INDArray[] l = new INDArray[m.getLabels().length];
        for (int i = 0; i < l.length; i++) {
            l[i] = rows(m.getLabels(i), from, to);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l);
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(indices(a.rank(), from, to)).dup();
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] indices(int rank, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex[] idx = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        idx[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < rank; i++) {
            idx[i] = NDArrayIndex.all();
        }
        return idx;
    }

    List<MultiDataSet> all() {
        return batches;
    }

    int size() {
        return batches.size();
    }

    long examples() {
        long n = 0;
        for (MultiDataSet m : batches) {
            n += m.getFeatures(0).size(0);
        }
        return n;
    }

    int inputs() {
        return batches.get(0).getFeatures().length;
    }

    int outputs() {
        return batches.get(0).getLabels().length;
    }

    /** The batches in the order of one epoch of one phase. */
    List<MultiDataSet> epoch(long seed, int phase, int epoch) {
        List<MultiDataSet> order = new ArrayList<>(batches);
        Collections.shuffle(order, new Random(seed * 31 + phase * 1009L + epoch));
        return order;
    }

    /** The first {@code n} examples' features (tiled if there are fewer), for timing at a fixed batch size. */
    INDArray[] features(int n) {
        MultiDataSet first = batches.get(0);
        INDArray[] out = new INDArray[first.getFeatures().length];
        for (int i = 0; i < out.length; i++) {
            List<INDArray> parts = new ArrayList<>();
            long have = 0;
            int b = 0;
            while (have < n) {
                INDArray f = batches.get(b++ % batches.size()).getFeatures(i);
                long take = Math.min(f.size(0), n - have);
                parts.add(rows(f, 0, take));
                have += take;
            }
            out[i] = org.nd4j.linalg.factory.Nd4j.concat(0, parts.toArray(new INDArray[0]));
        }
        return out;
    }
}
