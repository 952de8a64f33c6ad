package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.prune.UnusableInputException;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Training and test data for {@code dl4jc compress}: a directory of IDX files in the MNIST / Fashion-MNIST layout
 * ({@code train-images-idx3-ubyte[.gz]}, {@code t10k-...}), or a CSV file (DataVec's {@link CSVRecordReader}) with one
 * example per line and an integer class label in one column. Features are flat {@code [n, d]} floats; labels one-hot.
 * A CSV without a separate test file gives its last {@code testFraction} as the test set.
 */
record LabeledData(DataSet train, DataSet test, String source) {

    static LabeledData read(File data, File testCsv, int labelColumn, int skipLines, double scale, double testFraction)
            throws UnusableInputException {
        if (data == null || !data.exists()) {
            throw new UnusableInputException("no such data directory or CSV file: " + data);
        }
        if (data.isDirectory()) {
            try {
                FashionMnist idx = FashionMnist.fromDirectory(data);
                return new LabeledData(idx.train(), idx.test(), "IDX files in " + data);
            } catch (Exception e) {
                throw new UnusableInputException("--data " + data + " is a directory but not IDX image/label files: " + e.getMessage());
            }
        }
        DataSet all = csv(data, labelColumn, skipLines, scale, -1);
        int classes = (int) all.getLabels().size(1);
        if (testCsv != null) {
            DataSet test = csv(testCsv, labelColumn, skipLines, scale, classes);
            if (test.getFeatures().size(1) != all.getFeatures().size(1)) {
                throw new UnusableInputException("--test " + testCsv + " has " + test.getFeatures().size(1) + " feature columns, --data has "
                        + all.getFeatures().size(1));
            }
            return new LabeledData(all, test, "CSV " + data + " (test: " + testCsv + ")");
        }
        int n = all.numExamples();
        int nTest = (int) Math.round(n * testFraction);
        if (nTest < 1 || n - nTest < 2) {
            throw new UnusableInputException("CSV " + data + " has only " + n + " examples: too few to hold out a test set");
        }
        return new LabeledData((DataSet) all.getRange(0, n - nTest), (DataSet) all.getRange(n - nTest, n),
                "CSV " + data + " (last " + nTest + " lines as test set)");
    }

    private static DataSet csv(File file, int labelColumn, int skipLines, double scale, int classes) throws UnusableInputException {
        List<List<Writable>> rows = new ArrayList<>();
        try (CSVRecordReader reader = new CSVRecordReader(skipLines, ',')) {
            reader.initialize(new FileSplit(file));
            while (reader.hasNext()) {
                rows.add(reader.next());
            }
        } catch (Exception e) {
            throw new UnusableInputException("cannot read CSV " + file + ": " + e.getMessage());
        }
        if (rows.isEmpty()) {
            throw new UnusableInputException("CSV " + file + " has no data lines");
        }
        int cols = rows.get(0).size();
        int label = labelColumn < 0 ? cols + labelColumn : labelColumn;
        if (cols < 2 || label < 0 || label >= cols) {
            throw new UnusableInputException("CSV " + file + ": label column " + labelColumn + " does not exist in " + cols + " columns");
        }
        float[] x = new float[rows.size() * (cols - 1)];
        int[] y = new int[rows.size()];
        int maxLabel = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<Writable> r = rows.get(i);
            if (r.size() != cols) {
                throw new UnusableInputException("CSV " + file + " line " + (i + 1 + skipLines) + " has " + r.size() + " columns, expected " + cols);
            }
            int k = 0;
            for (int c = 0; c < cols; c++) {
                String v = r.get(c).toString().trim();
                try {
                    if (c == label) {
                        y[i] = Integer.parseInt(v);
                        if (y[i] < 0) {
                            throw new NumberFormatException();
                        }
                        maxLabel = Math.max(maxLabel, y[i]);
                    } else {
                        double d = Double.parseDouble(v) / scale;
                        if (Double.isNaN(d) || Double.isInfinite(d)) {
                            throw new NumberFormatException();
                        }
                        x[i * (cols - 1) + k++] = (float) d;
                    }
                } catch (NumberFormatException e) {
                    throw new UnusableInputException("CSV " + file + " line " + (i + 1 + skipLines) + " column " + c + ": '" + v + "' is not "
                            + (c == label ? "a class label (integer >= 0)" : "a finite number"));
                }
            }
        }
        int k = classes > 0 ? classes : maxLabel + 1;
        if (maxLabel >= k) {
            throw new UnusableInputException("CSV " + file + " has label " + maxLabel + " but the training data has only " + k + " classes");
        }
        float[] oneHot = new float[rows.size() * k];
        for (int i = 0; i < rows.size(); i++) {
            oneHot[i * k + y[i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[]{rows.size(), cols - 1}, DataType.FLOAT), Nd4j.create(oneHot, new long[]{rows.size(), k}, DataType.FLOAT));
    }
}
