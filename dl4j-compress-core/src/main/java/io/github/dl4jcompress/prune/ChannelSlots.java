package io.github.dl4jcompress.prune;

import java.util.Arrays;

/**
 * All channel slots of all analysed tensors (one slot = one channel of one node output), with
 * union-find to form channel groups (slots that must be removed together), the constant value a slot
 * carries (NaN = input dependent) and a pinned flag (slot may never be removed).
 */
final class ChannelSlots {

    private int size;
    private int[] parent = new int[64];
    private double[] value = new double[64];
    private boolean[] pinned = new boolean[64];

    /** Adds {@code count} fresh slots with unknown values and returns the first index. */
    int addRange(int count) {
        int base = size;
        int needed = size + count;
        if (needed > parent.length) {
            int cap = Math.max(needed, parent.length * 2);
            parent = Arrays.copyOf(parent, cap);
            value = Arrays.copyOf(value, cap);
            pinned = Arrays.copyOf(pinned, cap);
        }
        for (int i = base; i < needed; i++) {
            parent[i] = i;
            value[i] = Double.NaN;
        }
        size = needed;
        return base;
    }

    int size() {
        return size;
    }

    int find(int slot) {
        int root = slot;
        while (parent[root] != root) {
            root = parent[root];
        }
        while (parent[slot] != root) {
            int next = parent[slot];
            parent[slot] = root;
            slot = next;
        }
        return root;
    }

    void union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    double value(int slot) {
        return value[slot];
    }

    void setValue(int slot, double v) {
        value[slot] = v;
    }

    void pin(int slot) {
        pinned[slot] = true;
    }

    boolean isPinned(int slot) {
        return pinned[slot];
    }
}
