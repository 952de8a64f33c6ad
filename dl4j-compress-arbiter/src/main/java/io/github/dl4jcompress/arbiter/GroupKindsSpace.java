package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A discrete Arbiter parameter space over sets of Group Lasso kinds, e.g. {FILTER, CHANNEL} or {FILTER, CHANNEL,
 * SHAPE}: option {@code i = min(n−1, floor(u·n))} for Arbiter's uniform {@code u ∈ [0,1]} and n options.
 */
public final class GroupKindsSpace implements ParameterSpace<Set<GroupKind>> {

    private final List<Set<GroupKind>> options;
    private int index = -1;

    /** @param options one or more non-empty sets of kinds */
    @JsonCreator
    public GroupKindsSpace(@JsonProperty("options") List<Set<GroupKind>> options) {
        if (options == null || options.isEmpty()) {
            throw new IllegalArgumentException("GroupKindsSpace: at least one set of group kinds is required");
        }
        List<Set<GroupKind>> copy = new ArrayList<>();
        for (Set<GroupKind> o : options) {
            if (o == null || o.isEmpty()) {
                throw new IllegalArgumentException("GroupKindsSpace: option " + copy.size() + " is empty; each option needs at least one GroupKind");
            }
            copy.add(Collections.unmodifiableSet(EnumSet.copyOf(o)));
        }
        this.options = Collections.unmodifiableList(copy);
    }

    @SafeVarargs
    public static GroupKindsSpace of(Set<GroupKind>... options) {
        return new GroupKindsSpace(List.of(options));
    }

    @JsonProperty("options")
    public List<Set<GroupKind>> getOptions() {
        return options;
    }

    @Override
    public Set<GroupKind> getValue(double[] parameterValues) {
        if (options.size() == 1) {
            return options.get(0);
        }
        if (index < 0) {
            throw new IllegalStateException("GroupKindsSpace: index has not been set (is the space part of the MultiLayerSpace / ComputationGraphSpace?)");
        }
        double u = parameterValues[index];
        return options.get(Math.min(options.size() - 1, (int) Math.floor(u * options.size())));
    }

    @Override
    public int numParameters() {
        return options.size() == 1 ? 0 : 1;
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return Collections.singletonList(this);
    }

    @Override
    @JsonIgnore
    public Map<String, ParameterSpace> getNestedSpaces() {
        return Collections.emptyMap();
    }

    @Override
    @JsonIgnore
    public boolean isLeaf() {
        return true;
    }

    @Override
    public void setIndices(int... indices) {
        if (numParameters() == 0) {
            if (indices != null && indices.length > 0) {
                throw new IllegalArgumentException("GroupKindsSpace with one option has no parameter, got indices of length " + indices.length);
            }
            return;
        }
        if (indices == null || indices.length != 1) {
            throw new IllegalArgumentException("GroupKindsSpace: expected 1 index, got " + (indices == null ? "null" : indices.length));
        }
        this.index = indices[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupKindsSpace && ((GroupKindsSpace) o).options.equals(options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(options);
    }

    @Override
    public String toString() {
        return "GroupKindsSpace" + options;
    }
}
