package io.github.dl4jcompress.cost;

import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** Per-layer {@link LayerCost}s of a network, in network order, with totals. Made by {@link CostModel}. */
public final class NetworkCost {

    private final List<LayerCost> layers;

    public NetworkCost(@JsonProperty("layers") List<LayerCost> layers) {
        this.layers = Collections.unmodifiableList(layers);
    }

    @JsonProperty("layers")
    public List<LayerCost> getLayers() {
        return layers;
    }

    public Optional<LayerCost> layer(String name) {
        return layers.stream().filter(l -> l.getName().equals(name)).findFirst();
    }

    @JsonProperty("params")
    public long getParams() {
        return layers.stream().mapToLong(LayerCost::getParams).sum();
    }

    @JsonProperty("macs")
    public long getMacs() {
        return layers.stream().mapToLong(LayerCost::getMacs).sum();
    }

    @JsonProperty("effectiveParams")
    public long getEffectiveParams() {
        return layers.stream().mapToLong(LayerCost::getEffectiveParams).sum();
    }

    @JsonProperty("effectiveMacs")
    public long getEffectiveMacs() {
        return layers.stream().mapToLong(LayerCost::getEffectiveMacs).sum();
    }

    /** Effective MACs over dense MACs for the whole network. */
    @JsonIgnore
    public double effectiveMacRatio() {
        long m = getMacs();
        return m == 0 ? 1.0 : (double) getEffectiveMacs() / m;
    }

    /** A fixed-width text table, one row per layer, for logs and the command line. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-12s %-22s %-14s %10s %10s %12s %12s %9s %9s %9s%n", "layer", "type", "output", "params", "eff.params",
                "MACs", "eff.MACs", "filters", "channels", "shapes"));
        for (LayerCost l : layers) {
            sb.append(String.format("%-12s %-22s %-14s %10d %10d %12d %12d %9s %9s %9s%n", l.getName(), l.getType(), l.getOutputShape(),
                    l.getParams(), l.getEffectiveParams(), l.getMacs(), l.getEffectiveMacs(),
                    kept(l.getKeptFilters(), l.getFilters()), kept(l.getKeptChannels(), l.getChannels()), kept(l.getKeptShapes(), l.getShapes())));
        }
        sb.append(String.format("%-50s %10d %10d %12d %12d  (effective MACs %.1f%%)%n", "total", getParams(), getEffectiveParams(), getMacs(),
                getEffectiveMacs(), 100 * effectiveMacRatio()));
        return sb.toString();
    }

    private static String kept(long kept, long total) {
        return total < 0 ? "-" : kept + "/" + total;
    }
}
