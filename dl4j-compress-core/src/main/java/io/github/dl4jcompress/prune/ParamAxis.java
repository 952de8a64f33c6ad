package io.github.dl4jcompress.prune;

/**
 * One axis of one parameter array that follows channels: when a channel is removed, the
 * {@code units} consecutive entries {@code c*units .. c*units+units-1} along {@code axis}
 * (-1 = last axis) are removed from parameter {@code key} and from its updater state.
 *
 * @param side whether the axis follows the layer's output channels or its input channels
 */
record ParamAxis(String key, int axis, Side side, int units) {

    /** Which channel list an axis follows. Channel-wise layers only have {@link #INPUT} axes. */
    enum Side { OUTPUT, INPUT }
}
