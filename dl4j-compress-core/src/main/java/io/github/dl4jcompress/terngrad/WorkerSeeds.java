package io.github.dl4jcompress.terngrad;

import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives independent per-worker RNG seeds from one base seed: {@code seed ⊕ (worker · golden-ratio constant)}, and
 * numbers ParallelWrapper's workers reproducibly: worker {@code 1 + id} for the thread DL4J 1.0.0-M2.1 names
 * {@code "ParallelWrapper training thread <id>"} (its fixed pool starts trainer {@code id} on thread {@code id}) or
 * {@code "DefaultTrainer thread <id>"} / {@code "SymmetricTrainer thread <id>"} (the trainers' own names).
 * ParallelWrapper hands mini-batches to trainers round-robin by that id, so the id, not the order in which threads
 * first arrive, decides what a worker computes.
 */
final class WorkerSeeds {

    private static final Logger log = LoggerFactory.getLogger(WorkerSeeds.class);
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final Pattern TRAINER_THREAD = Pattern.compile(
            "(?:ParallelWrapper training|DefaultTrainer|SymmetricTrainer) thread (\\d+)");
    private WorkerSeeds() {
    }

    static long forWorker(long baseSeed, int worker) {
        return baseSeed ^ (worker * GOLDEN_GAMMA);
    }

    /**
     * {@code 1 + id} for a ParallelWrapper trainer thread named as above; otherwise {@code fallback} (the caller's
     * numbering in order of first use, reproducible only if such threads first arrive in the same order: logged).
     */
    static int workerNumber(String threadName, IntSupplier fallback) {
        Matcher m = TRAINER_THREAD.matcher(threadName);
        if (m.matches()) {
            return 1 + Integer.parseInt(m.group(1));
        }
        int number = fallback.getAsInt();
        log.info("TernGrad: thread '{}' is not a ParallelWrapper trainer; numbered {} in order of first use (its random"
                + " stream is reproducible only if such threads first arrive in the same order)", threadName, number);
        return number;
    }
}
