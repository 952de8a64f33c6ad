package io.github.dl4jcompress.listeners;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Writes the PNG charts of the listeners and examples (JFreeChart, headless). */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** A line chart: one series per map entry, each a list of (x, y) points. */
    public static void line(File png, String title, String xLabel, String yLabel, Map<String, List<double[]>> series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (double[] p : e.getValue()) {
                s.add(p[0], p[1]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        write(png, chart);
    }

    /** A grouped bar chart: rows are the bar groups' series (legend), columns the categories on the x axis. */
    public static void bars(File png, String title, String categoryLabel, String valueLabel, Map<String, Map<String, Double>> rows) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        rows.forEach((row, cols) -> cols.forEach((col, v) -> data.addValue(v, row, col)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
        write(png, chart);
    }

    private static void write(File png, JFreeChart chart) throws IOException {
        File dir = png.getAbsoluteFile().getParentFile();
        if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
            throw new IOException("Cannot create directory " + dir);
        }
        ChartUtils.saveChartAsPNG(png, chart, 900, 520);
    }
}
