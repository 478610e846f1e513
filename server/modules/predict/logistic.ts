/**
 * L2-regularised logistic regression on sparse rows, fitted by Newton's method (the Hessian of the
 * penalised mean log loss is positive definite, so a Cholesky solve and a halving line search
 * converge in a handful of steps), and the figures a held-out report needs: AUC, lift, calibration.
 * Pure functions, no randomness: the same data gives the same coefficients, bit for bit.
 */

/** Rows in compressed sparse row form; the intercept is implicit (not a column). */
export type SparseRows = {
  readonly n: number;
  readonly dim: number;
  readonly rowPtr: Int32Array; // n + 1 offsets into cols/vals
  readonly cols: Int32Array;
  readonly vals: Float64Array;
  readonly y: Uint8Array; // 0 or 1
};

export type LogisticModel = { intercept: number; weights: Float64Array };

export type FitOptions = {
  /** The L2 penalty on the weights (not the intercept), per training row: loss/n + l2/2·|w|². */
  l2: number;
  maxIterations?: number;
  /** Stop when every gradient component is below this. */
  tolerance?: number;
};

export type FitResult = LogisticModel & { iterations: number; loss: number; converged: boolean };

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function linearScore(model: LogisticModel, rows: SparseRows, i: number): number {
  let z = model.intercept;
  for (let k = rows.rowPtr[i]!; k < rows.rowPtr[i + 1]!; k++)
    z += model.weights[rows.cols[k]!]! * rows.vals[k]!;
  return z;
}

/** The penalised mean log loss. */
export function penalisedLoss(model: LogisticModel, rows: SparseRows, l2: number): number {
  let sum = 0;
  for (let i = 0; i < rows.n; i++) {
    const z = linearScore(model, rows, i);
    // −[y log p + (1−y) log(1−p)] = softplus(z) − y·z
    sum += softplus(z) - (rows.y[i] ? z : 0);
  }
  let sq = 0;
  for (const w of model.weights) sq += w * w;
  return sum / Math.max(1, rows.n) + (l2 / 2) * sq;
}

/** The gradient of `penalisedLoss`: [intercept, ...weights]. */
export function penalisedGradient(model: LogisticModel, rows: SparseRows, l2: number): Float64Array {
  const g = new Float64Array(rows.dim + 1);
  for (let i = 0; i < rows.n; i++) {
    const r = sigmoid(linearScore(model, rows, i)) - rows.y[i]!;
    g[0]! += r;
    for (let k = rows.rowPtr[i]!; k < rows.rowPtr[i + 1]!; k++) g[rows.cols[k]! + 1]! += r * rows.vals[k]!;
  }
  const n = Math.max(1, rows.n);
  for (let j = 0; j <= rows.dim; j++) g[j] = g[j]! / n + (j > 0 ? l2 * model.weights[j - 1]! : 0);
  return g;
}

/** Solves A·x = b for a symmetric positive definite A (row-major, m×m) in place of a copy. */
export function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < j; k++) s -= l[i * m + k]! * l[j * m + k]!;
      if (i === j) {
        // A tiny floor keeps a column that never occurs in training (all zeros) solvable.
        l[i * m + i] = Math.sqrt(Math.max(s, 1e-12));
      } else {
        l[i * m + j] = s / l[j * m + j]!;
      }
    }
  }
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * z[k]!;
    z[i] = s / l[i * m + i]!;
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  return x;
}

export function fitLogistic(rows: SparseRows, options: FitOptions): FitResult {
  const { l2 } = options;
  if (!(l2 > 0)) throw new Error('l2 must be positive');
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const d = rows.dim;
  const m = d + 1;
  // Start from the base rate: the intercept alone, weights zero.
  let positives = 0;
  for (let i = 0; i < rows.n; i++) positives += rows.y[i]!;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / Math.max(1, rows.n)));
  let model: LogisticModel = { intercept: Math.log(rate / (1 - rate)), weights: new Float64Array(d) };
  let loss = penalisedLoss(model, rows, l2);
  const n = Math.max(1, rows.n);
  let iterations = 0;
  let converged = false;
  const idx = new Int32Array(m);
  const xs = new Float64Array(m);
  for (; iterations < maxIterations; iterations++) {
    const g = penalisedGradient(model, rows, l2);
    let maxAbs = 0;
    for (const v of g) maxAbs = Math.max(maxAbs, Math.abs(v));
    if (maxAbs < tolerance) {
      converged = true;
      break;
    }
    // Hessian: Σ p(1−p)·x·xᵀ / n + l2·I (the intercept is not penalised); lower triangle only.
    const h = new Float64Array(m * m);
    for (let i = 0; i < rows.n; i++) {
      const p = sigmoid(linearScore(model, rows, i));
      const w = p * (1 - p);
      let k = 0;
      idx[k] = 0;
      xs[k++] = 1;
      for (let t = rows.rowPtr[i]!; t < rows.rowPtr[i + 1]!; t++) {
        idx[k] = rows.cols[t]! + 1;
        xs[k++] = rows.vals[t]!;
      }
      for (let a = 0; a < k; a++) {
        const ia = idx[a]!;
        const wa = w * xs[a]!;
        for (let b = 0; b < k; b++) {
          const ib = idx[b]!;
          if (ib <= ia) h[ia * m + ib]! += wa * xs[b]!;
        }
      }
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) h[i * m + j] = h[i * m + j]! / n;
      if (i > 0) h[i * m + i]! += l2;
      for (let j = 0; j < i; j++) h[j * m + i] = h[i * m + j]!;
    }
    const step = choleskySolve(h, g, m);
    // Halve the Newton step until the loss goes down.
    let t = 1;
    let next: LogisticModel | undefined;
    let nextLoss = loss;
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      const candidate: LogisticModel = {
        intercept: model.intercept - t * step[0]!,
        weights: model.weights.map((w, j) => w - t * step[j + 1]!),
      };
      const l = penalisedLoss(candidate, rows, l2);
      if (l <= loss) {
        next = candidate;
        nextLoss = l;
        break;
      }
    }
    if (!next) {
      converged = true; // no step improves the loss: at the optimum to machine precision
      break;
    }
    const improvement = loss - nextLoss;
    model = next;
    loss = nextLoss;
    if (improvement < 1e-15) {
      converged = true;
      break;
    }
  }
  return { ...model, iterations, loss, converged };
}

export function predictAll(model: LogisticModel, rows: SparseRows): Float64Array {
  const out = new Float64Array(rows.n);
  for (let i = 0; i < rows.n; i++) out[i] = sigmoid(linearScore(model, rows, i));
  return out;
}

/** The area under the ROC curve: the chance a random positive outranks a random negative (ties half). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPositives = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average rank of the tie group, 1-based
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        rankSumPositives += rank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export type Bin = { bin: number; count: number; predicted: number; actual: number };

/**
 * Calibration by decile of predicted probability (bin 1 = the lowest tenth): mean predicted against
 * the actual rate, in equal-count bins (the first bins take the remainder when n is not a multiple).
 */
export function calibrationBins(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): Bin[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[a]! - scores[b]! || a - b,
  );
  const out: Bin[] = [];
  const n = order.length;
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const size = Math.floor(n / bins) + (b < n % bins ? 1 : 0);
    let p = 0;
    let a = 0;
    for (let k = start; k < start + size; k++) {
      p += scores[order[k]!]!;
      a += labels[order[k]!]!;
    }
    out.push({ bin: b + 1, count: size, predicted: size ? p / size : 0, actual: size ? a / size : 0 });
    start += size;
  }
  return out;
}

/** The positive rate among the top `fraction` by score, divided by the overall rate. */
export function liftAt(scores: ArrayLike<number>, labels: ArrayLike<number>, fraction = 0.1): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const top = Math.max(1, Math.round(n * fraction));
  let topPositives = 0;
  let positives = 0;
  for (let k = 0; k < n; k++) {
    positives += labels[order[k]!]!;
    if (k < top) topPositives += labels[order[k]!]!;
  }
  if (positives === 0) return Number.NaN;
  return topPositives / top / (positives / n);
}

/** Builds sparse rows from dense ones (tests, small data). */
export function sparseFromDense(x: number[][], y: number[]): SparseRows {
  const dim = x[0]?.length ?? 0;
  const rowPtr = new Int32Array(x.length + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  x.forEach((row, i) => {
    row.forEach((v, j) => {
      if (v !== 0) {
        cols.push(j);
        vals.push(v);
      }
    });
    rowPtr[i + 1] = cols.length;
  });
  return {
    n: x.length,
    dim,
    rowPtr,
    cols: Int32Array.from(cols),
    vals: Float64Array.from(vals),
    y: Uint8Array.from(y),
  };
}
