// Fashion-MNIST images and labels from IDX files (Debian's package or the bundled subset).
package org.qcc.frontend.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.formats.FloatFormat;

/**
 * One split of Fashion-MNIST: 28x28 grey images scaled to [0, 1] as the bundled models were
 * trained, and their labels. Accuracy is measured on the test split; calibration draws from the
 * training split so that it never sees the images it is judged on.
 */
public record FashionMnist(Path dir, Split split, int count, byte[] pixels, byte[] labels) {
  /** The dataset's two splits, by their IDX file prefix. */
  public enum Split {
    TEST("t10k"),
    TRAIN("train");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }
  }

  /** Where Debian's dataset-fashion-mnist installs the data. */
  public static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

  public static final int SIDE = 28;

  /** The full test set when Debian's package is installed, else the subset in {@code bundled}. */
  public static FashionMnist locate(Path bundled) {
    return locate(bundled, Split.TEST);
  }

  /** The full split when Debian's package is installed, else the subset in {@code bundled}. */
  public static FashionMnist locate(Path bundled, Split split) {
    Path dir = Files.isRegularFile(DEBIAN.resolve(split.prefix + "-images-idx3-ubyte.gz")) ? DEBIAN : bundled;
    return load(dir, split);
  }

  public static FashionMnist load(Path dir) {
    return load(dir, Split.TEST);
  }

  public static FashionMnist load(Path dir, Split split) {
    Path images = dir.resolve(split.prefix + "-images-idx3-ubyte.gz");
    Path labels = dir.resolve(split.prefix + "-labels-idx1-ubyte.gz");
    try (DataInputStream im = open(images);
        DataInputStream lb = open(labels)) {
      if (im.readInt() != 0x803 || lb.readInt() != 0x801) {
        throw new DiagnosticException(dir.toString(), "not Fashion-MNIST IDX files (bad magic number)");
      }
      int n = im.readInt();
      int rows = im.readInt();
      int cols = im.readInt();
      int nl = lb.readInt();
      if (rows != SIDE || cols != SIDE || n != nl || n < 0) {
        throw new DiagnosticException(dir.toString(), "unexpected IDX header: " + n + " images of " + rows + "x" + cols + ", " + nl + " labels");
      }
      byte[] px = new byte[n * SIDE * SIDE];
      im.readFully(px);
      byte[] l = new byte[n];
      lb.readFully(l);
      return new FashionMnist(dir, split, n, px, l);
    } catch (IOException e) {
      throw new DiagnosticException(dir.toString(), "cannot read Fashion-MNIST: " + e.getMessage());
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream in = Files.newInputStream(p);
    return new DataInputStream(new GZIPInputStream(in, 1 << 16));
  }

  /** The first {@code n} images and labels (all of them when there are fewer). */
  public FashionMnist first(int n) {
    int k = Math.min(n, count);
    return new FashionMnist(dir, split, k, Arrays.copyOf(pixels, k * SIDE * SIDE), Arrays.copyOf(labels, k));
  }

  /** Images [from, from+n) as an fp32 [n, 1, 28, 28] tensor in [0, 1]. */
  public FloatTensor batch(int from, int n) {
    float[] x = new float[n * SIDE * SIDE];
    for (int i = 0; i < x.length; i++) {
      x[i] = (pixels[from * SIDE * SIDE + i] & 0xFF) / 255.0f;
    }
    return new FloatTensor(FloatFormat.FP32, new int[] {n, 1, SIDE, SIDE}, x);
  }

  public int label(int i) {
    return labels[i];
  }
}
