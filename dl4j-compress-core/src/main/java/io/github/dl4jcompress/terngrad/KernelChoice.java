package io.github.dl4jcompress.terngrad;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks between a plain-Java kernel and its Vector API twin ({@code jdk.incubator.vector}, loaded by name so that the
 * plain one works in a JVM without the module) from a system property's value: {@code auto} (the vector kernel when
 * the module is resolved and the kernel loads, else the plain one), {@code scalar} or {@code vector} (an error
 * without the module). Used by {@link TernaryKernel} and {@link NhKernel}.
 */
final class KernelChoice {

    private static final Logger log = LoggerFactory.getLogger(KernelChoice.class);

    private KernelChoice() {
    }

    /**
     * @param property    the system property's name (for messages)
     * @param choice      its value
     * @param scalar      the plain-Java kernel
     * @param vectorClass the vector kernel's class name; its static field {@code INSTANCE} is the kernel
     * @param what        what the kernel is for (for the log)
     */
    static <T> T select(String property, String choice, T scalar, String vectorClass, String what) {
        switch (choice) {
            case "scalar":
                return scalar;
            case "vector": {
                T vector = vectorOrNull(vectorClass, what);
                if (vector == null) {
                    throw new IllegalStateException(property + "=vector but jdk.incubator.vector is not available: "
                            + "start the JVM with --add-modules jdk.incubator.vector");
                }
                return vector;
            }
            case "auto": {
                T vector = vectorOrNull(vectorClass, what);
                if (vector == null) {
                    log.info("{}: jdk.incubator.vector not available (JVM option --add-modules "
                            + "jdk.incubator.vector), using the scalar kernel", what);
                    return scalar;
                }
                return vector;
            }
            default:
                throw new IllegalArgumentException(property + " must be auto, scalar or vector, got '" + choice + "'");
        }
    }

    /** The vector kernel if the incubator module is resolved in the boot layer and the kernel loads, else null. */
    @SuppressWarnings("unchecked")
    static <T> T vectorOrNull(String vectorClass, String what) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (T) Class.forName(vectorClass).getDeclaredField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            log.warn("{}: vector kernel unavailable ({}), using the scalar kernel", what, e.toString());
            return null;
        }
    }
}
