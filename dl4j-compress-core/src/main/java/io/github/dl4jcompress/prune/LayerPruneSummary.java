package io.github.dl4jcompress.prune;

import java.util.List;

/**
 * What pruning did to one layer or vertex.
 *
 * @param name                 layer / vertex name
 * @param type                 configuration class simple name
 * @param totalOutputs         output channels (units) before pruning, -1 if not analysed
 * @param keptOutputs          output channels after pruning, -1 if not analysed
 * @param removedInputChannels removed channels of the input tensor (original indices)
 * @param foldedInputChannels  removed constant input channels whose value was folded into this layer's bias
 * @param unsupportedReason    why the analysis stopped here (inputs and outputs kept whole), null if supported
 */
public record LayerPruneSummary(String name, String type, int totalOutputs, int keptOutputs,
                                List<Integer> removedInputChannels, List<Integer> foldedInputChannels,
                                String unsupportedReason) {

    public LayerPruneSummary {
        removedInputChannels = List.copyOf(removedInputChannels);
        foldedInputChannels = List.copyOf(foldedInputChannels);
    }

    public boolean supported() {
        return unsupportedReason == null;
    }
}
