// `qcc explore --executor spark`: a sweep's points evaluated as Spark tasks, embedded or on a cluster.
package org.qcc.explore.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.qcc.explore.Confirmation;
import org.qcc.explore.Point;
import org.qcc.explore.PointExecutor;
import org.qcc.explore.PointResult;
import org.qcc.ir.DiagnosticException;
import scala.Function0;
import scala.Function1;
import scala.Function2;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The driver runs in this process: {@code local[N]} runs N executor threads here too, any other
 * master (spark://HOST:PORT, yarn, k8s://...) gets executors from the cluster, which must run the
 * same qcc (by default they load the driver's class path, so an install at the same path on every
 * worker suffices; {@code spark.jars} ships jars instead). One task per point, so each result is
 * stored the moment its task ends and a failed task costs one point's work; Spark retries failed
 * tasks on other executors up to {@code spark.task.maxFailures} times.
 */
public final class SparkExecutor implements PointExecutor {
  private static final int CONNECT_TIMEOUT_MS = 5000;

  private final String master;
  private final JavaSparkContext spark;
  private final Broadcast<Sweep> sweep;
  private final String context;
  private List<Tools> tools;

  private SparkExecutor(String master, JavaSparkContext spark, Sweep sweep) {
    this.master = master;
    this.spark = spark;
    this.sweep = spark.broadcast(sweep);
    this.context = sweep.context();
  }

  /**
   * Starts a Spark application on {@code master} for {@code sweep}; {@code conf} adds or overrides
   * Spark settings. An unreachable standalone master is reported at once, not after Spark's
   * minute of retries.
   */
  public static SparkExecutor start(String master, Map<String, String> conf, Sweep sweep) {
    if (!Object.class.getModule().isOpen("sun.nio.ch", SparkExecutor.class.getModule())) {
      throw new DiagnosticException("--executor spark", "this JVM lacks the options Spark needs on Java 17; run qcc through its launcher (./qcc), or give java the file java.options (java @java.options ...)");
    }
    if (master.startsWith("spark://")) {
      checkReachable(master);
    }
    SparkConf c = new SparkConf()
        .setMaster(master)
        .setAppName("qcc explore " + sweep.modelName())
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false");
    if (!master.startsWith("local")) {
      c.set("spark.executor.extraClassPath", System.getProperty("java.class.path"));
    }
    conf.forEach(c::set);
    try {
      return new SparkExecutor(master, new JavaSparkContext(c), sweep);
    } catch (RuntimeException e) {
      throw new DiagnosticException(master, "cannot start Spark: " + firstLine(e));
    }
  }

  /** Every master of a standalone URL (spark://H1:P1,H2:P2) is tried; one answering is enough. */
  private static void checkReachable(String master) {
    List<String> failures = new ArrayList<>();
    for (String hostPort : master.substring("spark://".length()).split(",")) {
      URI u = URI.create("spark://" + hostPort);
      if (u.getHost() == null) {
        throw new DiagnosticException(master, "not a Spark master URL (expected spark://HOST:PORT)");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 7077 : u.getPort()), CONNECT_TIMEOUT_MS);
        return;
      } catch (IOException e) {
        failures.add(hostPort + ": " + e.getMessage());
      }
    }
    throw new DiagnosticException(master, "cannot reach the Spark master (" + String.join("; ", failures) + ")");
  }

  @Override
  public int parallelism() {
    return spark.defaultParallelism();
  }

  @Override
  public String context() {
    return context;
  }

  @Override
  public void evaluate(List<Point> points, Consumer<PointResult> done) {
    if (points.isEmpty()) {
      return;
    }
    Broadcast<Sweep> s = sweep;
    Function1<Iterator<Point>, PointResult> task = (Function1<Iterator<Point>, PointResult> & Serializable) it -> Workers.evaluate(s.value(), it.next());
    BlockingQueue<PointResult> arrived = new LinkedBlockingQueue<>();
    RDD<Point> rdd = spark.parallelize(points, points.size()).rdd();
    @SuppressWarnings("unchecked")
    scala.collection.immutable.Seq<Object> partitions = (scala.collection.immutable.Seq<Object>) (Object) CollectionConverters.asScala(IntStream.range(0, points.size()).boxed().toList()).toSeq();
    // The handler runs on Spark's scheduler thread; the store is written on this one.
    Function2<Object, PointResult, BoxedUnit> handler = (i, r) -> {
      arrived.add(r);
      return BoxedUnit.UNIT;
    };
    Function0<BoxedUnit> none = () -> BoxedUnit.UNIT;
    SimpleFutureAction<BoxedUnit> job = spark.sc().submitJob(rdd, task, partitions, handler, none);
    int received = 0;
    try {
      while (received < points.size()) {
        PointResult r = arrived.poll(100, TimeUnit.MILLISECONDS);
        if (r != null) {
          done.accept(r);
          received++;
        } else if (job.isCompleted() && arrived.isEmpty()) {
          Try<BoxedUnit> outcome = job.value().get();
          if (outcome.isFailure()) {
            throw new DiagnosticException(master, "the Spark job failed after " + received + " of " + points.size() + " points (stored; run the command again to resume): " + firstLine(outcome.failed().get()));
          }
        }
      }
    } catch (InterruptedException e) {
      job.cancel();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted; the finished points are stored", e);
    }
  }

  /** The executors' tools, probed once with more tasks than there are cores so that every executor likely runs one. */
  public synchronized List<Tools> tools() {
    if (tools == null) {
      int n = Math.max(2, 2 * parallelism());
      tools = List.copyOf(new LinkedHashSet<>(spark.parallelize(IntStream.range(0, n).boxed().toList(), n).map(i -> Workers.tools()).collect()));
    }
    return tools;
  }

  /**
   * Runs on an executor that has Verilator and yosys (Spark is asked to prefer their hosts, and an
   * executor without them refuses the task so that it is retried elsewhere).
   */
  @Override
  public Confirmation confirm(Point p) {
    List<String> hosts = tools().stream().filter(Tools::canConfirm).map(Tools::host).distinct().toList();
    if (hosts.isEmpty()) {
      throw new DiagnosticException(master, "--confirm needs Verilator and yosys on a Spark executor, and none has both (" + tools().stream().map(Tools::toString).reduce((a, b) -> a + "; " + b).orElse("no executors") + "); install them on the workers (apt-get install verilator yosys) or confirm with --executor local");
    }
    Broadcast<Sweep> s = sweep;
    scala.collection.immutable.Seq<Tuple2<Point, scala.collection.immutable.Seq<String>>> located = CollectionConverters.asScala(List.of(new Tuple2<>(p, CollectionConverters.asScala(hosts).toSeq()))).toSeq();
    RDD<Point> rdd = spark.sc().makeRDD(located, ClassTag$.MODULE$.apply(Point.class));
    try {
      return rdd.toJavaRDD().map(q -> Workers.confirm(s.value(), q)).collect().get(0);
    } catch (RuntimeException e) {
      throw new DiagnosticException(master, "confirming " + p.label() + " failed: " + firstLine(e));
    }
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  @Override
  public void close() {
    spark.stop();
  }
}
