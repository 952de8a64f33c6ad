package io.github.dl4jcompress.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Driver-side Spark listener counting finished tasks per executor id (and failed ones). */
final class ExecutorTasks extends SparkListener {

    final Map<String, AtomicInteger> succeeded = new ConcurrentHashMap<>();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo().successful()) {
            succeeded.computeIfAbsent(end.taskInfo().executorId(), k -> new AtomicInteger()).incrementAndGet();
        } else {
            failed.incrementAndGet();
        }
    }
}
