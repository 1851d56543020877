// Everything a Spark worker needs to evaluate a sweep's points, sent once per executor.
package org.qcc.explore.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.Device;
import org.qcc.explore.FrontConfirmer;
import org.qcc.explore.PointEvaluator;
import org.qcc.explore.Sha256;
import org.qcc.explore.Space;
import org.qcc.frontend.ModelFiles;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.DiagnosticException;

/**
 * Workers read no files of the driver's: the model and space travel as the files' bytes, and the
 * data as just the images a point reads (the first test images it is scored on, the first
 * training images its passes calibrate on), so a worker scores a point exactly as the driver
 * would. {@code context} is the driver's evaluation context; a worker whose qcc computes another
 * refuses to work rather than store results under ids the driver does not know.
 */
public record Sweep(
    String modelName,
    byte[] model,
    String spaceName,
    String spaceText,
    String device,
    String context,
    Images test,
    Images training,
    String designs,
    int confirmImages) implements Serializable {

  /** The first images of one split of Fashion-MNIST. */
  public record Images(String dir, FashionMnist.Split split, int count, byte[] pixels, byte[] labels) implements Serializable {
    static Images of(FashionMnist data, int n) {
      FashionMnist first = data.first(n);
      return new Images(data.dir().toString(), data.split(), first.count(), first.pixels(), first.labels());
    }

    FashionMnist data() {
      return new FashionMnist(Path.of(dir), split, count, pixels, labels);
    }
  }

  /**
   * The sweep of {@code model} over {@code space} that {@code evaluator} (the driver's) scores;
   * {@code designs} is where confirmed points' RTL goes, on the machine that confirms them.
   */
  public static Sweep of(Path model, Path space, Device device, PointEvaluator evaluator, FashionMnist test, DatasetCalibration calibration, Path designs, int confirmImages) {
    byte[] bytes;
    String text;
    try {
      bytes = Files.readAllBytes(model);
      text = Files.readString(space, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String name = model.getFileName().toString();
    try {
      ModelFiles.parse(bytes, name);
    } catch (DiagnosticException e) {
      throw new DiagnosticException(model.toString(), "cannot be sent to Spark workers: " + e.getMessage() + " (a model with external data files must be run with --executor local)");
    }
    Space s = Space.parse(text, space.toString());
    return new Sweep(
        name, bytes, space.toString(), text, device.name(), evaluator.context(),
        Images.of(test, Math.max(s.evaluation().images(), confirmImages)),
        Images.of(calibration.data(), s.evaluation().trainingImages()),
        designs.toAbsolutePath().toString(), confirmImages);
  }

  /** Tells sweeps apart in a worker's cache: the hash of everything that shapes the results. */
  String id() {
    return Sha256.hex((context + "\n" + spaceText + "\n" + Sha256.hex(model)).getBytes(StandardCharsets.UTF_8));
  }

  /** The evaluator this sweep's points are scored by on a worker. */
  PointEvaluator evaluator() {
    PointEvaluator e = new PointEvaluator(() -> ModelFiles.parse(model, modelName), Space.parse(spaceText, spaceName), Device.named(device), test.data(), new DatasetCalibration(training.data()));
    if (!e.context().equals(context)) {
      throw new IllegalStateException("this worker's qcc scores points in another context (" + e.context() + ") than the driver's (" + context + "); install the driver's qcc on every worker");
    }
    return e;
  }

  FrontConfirmer confirmer(PointEvaluator evaluator) {
    return new FrontConfirmer(evaluator, Device.named(device), test.data(), Path.of(designs), confirmImages, step -> {});
  }
}
