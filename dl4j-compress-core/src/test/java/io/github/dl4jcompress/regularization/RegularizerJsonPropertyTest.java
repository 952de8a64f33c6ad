package io.github.dl4jcompress.regularization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.deeplearning4j.nn.conf.serde.JsonMappers;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The regularizers' JSON: random valid configurations survive a round trip; a random mutation (a field removed, set
 * to null, to a wrong type or to an invalid value) is either rejected with an error naming the field or restores the
 * documented default ({@code epsilon} → 1e-8, {@code fullScale} → 0 = layer max, {@code layout} → unbound) — never
 * a silently different configuration, never a bare NullPointerException. The fields inside the strength schedule
 * belong to ND4J's schedule classes and are not mutated (ND4J restores 0 for a missing schedule value).
 */
class RegularizerJsonPropertyTest {

    private static final ObjectMapper MAPPER = JsonMappers.getMapper();

    @Provide
    Arbitrary<ISchedule> schedules() {
        Arbitrary<Double> strength = Arbitraries.doubles().between(0, 10).ofScale(6);
        return Arbitraries.oneOf(
                strength.map(FixedSchedule::new),
                Combinators.combine(strength, Arbitraries.doubles().between(0.1, 1.0).ofScale(6))
                        .as((v, g) -> new ExponentialSchedule(ScheduleType.ITERATION, v, g)),
                Combinators.combine(strength, Arbitraries.doubles().between(0.1, 1.0).ofScale(6), Arbitraries.integers().between(1, 50))
                        .as((v, d, s) -> new StepSchedule(ScheduleType.EPOCH, v, d, s)));
    }

    @Provide
    Arbitrary<WeightLayout> layouts() {
        Arbitrary<Long> size = Arbitraries.longs().between(1, 64);
        Arbitrary<String> name = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8);
        return Arbitraries.oneOf(
                Combinators.combine(name, size, size, Arbitraries.longs().between(1, 5), Arbitraries.longs().between(1, 5))
                        .as(WeightLayout::convolution),
                Combinators.combine(name, size, size).as(WeightLayout::dense));
    }

    @Provide
    Arbitrary<GroupLasso> lassos() {
        return Combinators.combine(Arbitraries.of(GroupKind.class), schedules(), layouts().injectNull(0.2),
                        Arbitraries.doubles().between(0, 1e-3).ofScale(12))
                .filter((k, s, l, e) -> l == null || l.supports(k))
                .as(GroupLasso::new);
    }

    @Provide
    Arbitrary<BinaryPush> pushes() {
        return Combinators.combine(schedules(), Arbitraries.doubles().between(0, 5).ofScale(6)).as(BinaryPush::new);
    }

    private static Regularization roundTrip(Regularization r) throws Exception {
        return MAPPER.readValue(MAPPER.writeValueAsString(r), Regularization.class);
    }

    @Property(tries = 100)
    void validGroupLassoSurvives(@ForAll("lassos") GroupLasso lasso) throws Exception {
        assertEquals(lasso, roundTrip(lasso));
    }

    @Property(tries = 60)
    void validBinaryPushSurvives(@ForAll("pushes") BinaryPush push) throws Exception {
        assertEquals(push, roundTrip(push));
    }

    @Property(tries = 150)
    void mutatedGroupLassoIsRejectedOrRestoresTheDefault(@ForAll("lassos") GroupLasso lasso, @ForAll long seed)
            throws Exception {
        ObjectNode json = (ObjectNode) MAPPER.readTree(MAPPER.writeValueAsString(lasso));
        String mutation = mutate(json, new Random(seed));
        GroupLasso read;
        try {
            read = (GroupLasso) MAPPER.readValue(MAPPER.writeValueAsString(json), Regularization.class);
        } catch (Exception e) {
            assertRejectedWithAReason(e, mutation);
            return;
        }
        // accepted: only a documented default may differ from the original
        if (mutation.equals("remove epsilon") || mutation.equals("null epsilon")) {
            assertEquals(lasso.withEpsilon(GroupLasso.DEFAULT_EPSILON), read, mutation);
        } else if (mutation.equals("remove layout") || mutation.equals("null layout")) {
            assertNull(read.getLayout(), mutation);
            assertEquals(lasso.getKind(), read.getKind(), mutation);
            assertEquals(lasso.getStrength(), read.getStrength(), mutation);
            assertEquals(lasso.getEpsilon(), read.getEpsilon(), mutation);
        } else if (mutation.endsWith(" layerName")) {
            // Jackson coerces a number or boolean to a string: a different, valid layer name
            assertEquals(json.get("layout").get("layerName").asText(), read.getLayout().getLayerName(), mutation);
        } else {
            assertEquals(lasso, read, mutation + " was accepted and changed the configuration: " + json);
        }
    }

    @Property(tries = 80)
    void mutatedBinaryPushIsRejectedOrRestoresTheDefault(@ForAll("pushes") BinaryPush push, @ForAll long seed)
            throws Exception {
        ObjectNode json = (ObjectNode) MAPPER.readTree(MAPPER.writeValueAsString(push));
        String mutation = mutate(json, new Random(seed));
        BinaryPush read;
        try {
            read = (BinaryPush) MAPPER.readValue(MAPPER.writeValueAsString(json), Regularization.class);
        } catch (Exception e) {
            assertRejectedWithAReason(e, mutation);
            return;
        }
        if (mutation.equals("remove fullScale") || mutation.equals("null fullScale")) {
            assertEquals(0.0, read.getFullScale(), mutation);
            assertEquals(push.getStrength(), read.getStrength(), mutation);
        } else {
            assertEquals(push, read, mutation + " was accepted and changed the configuration: " + json);
        }
    }

    private static void assertRejectedWithAReason(Exception e, String mutation) {
        StringBuilder chain = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof NullPointerException) {
                fail(mutation + ": rejected with a bare NullPointerException: " + e);
            }
            chain.append(c.getMessage()).append(" | ");
        }
        assertTrue(chain.length() > 0, mutation);
    }

    /** Applies one random mutation to a random field (nested objects included); returns its description. */
    private static String mutate(ObjectNode root, Random r) {
        List<ObjectNode> owners = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        collect(root, owners, fields);
        int pick = r.nextInt(fields.size());
        ObjectNode owner = owners.get(pick);
        String field = fields.get(pick);
        switch (r.nextInt(5)) {
            case 0:
                owner.remove(field);
                return "remove " + field;
            case 1:
                owner.putNull(field);
                return "null " + field;
            case 2:
                owner.put(field, "not a " + field);
                return "string " + field;
            case 3:
                owner.put(field, -1 - r.nextInt(100));
                return "negative " + field;
            default:
                owner.put(field, true);
                return "boolean " + field;
        }
    }

    private static void collect(ObjectNode node, List<ObjectNode> owners, List<String> fields) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.startsWith("@")) {
                continue; // the type id: mutating it makes another class, not another configuration
            }
            owners.add(node);
            fields.add(f);
            JsonNode child = node.get(f);
            // the strength schedule's own fields are ND4J's (FixedSchedule etc. restore 0 for a missing value):
            // mutated as a whole, not inside
            if (child instanceof ObjectNode && !f.equals("strength")) {
                collect((ObjectNode) child, owners, fields);
            }
        }
    }
}
