// Parameter counts (torchvision and Keras ways) and MACs of every variant in DESIGN.md section 5.
// Models are built with init: 'none' (no storage, no random draws): counting needs no forward pass.
import t from 'tap';
import { countMacs, createModel, kerasParamCount } from '../../src/architectures/index.js';

// name: [params, GMACs, eval size] from DESIGN.md section 5 (torchvision's published metadata).
const TABLE: Record<string, [number, number, number]> = {
  vgg11: [132_863_336, 7.609, 224], vgg11_bn: [132_868_840, 7.609, 224],
  vgg13: [133_047_848, 11.308, 224], vgg13_bn: [133_053_736, 11.308, 224],
  vgg16: [138_357_544, 15.47, 224], vgg16_bn: [138_365_992, 15.47, 224],
  vgg19: [143_667_240, 19.632, 224], vgg19_bn: [143_678_248, 19.632, 224],
  resnet18: [11_689_512, 1.814, 224], resnet34: [21_797_672, 3.664, 224], resnet50: [25_557_032, 4.089, 224],
  resnet101: [44_549_160, 7.801, 224], resnet152: [60_192_808, 11.514, 224],
  googlenet: [6_624_904, 1.498, 224],
  inception_v3: [23_834_568, 5.713, 299],
  densenet121: [7_978_856, 2.834, 224], densenet161: [28_681_000, 7.728, 224],
  densenet169: [14_149_480, 3.36, 224], densenet201: [20_013_928, 4.291, 224],
  mobilenet_v2: [3_504_872, 0.301, 224],
  mobilenet_v3_large: [5_483_032, 0.217, 224], mobilenet_v3_small: [2_542_856, 0.057, 224],
  squeezenet1_0: [1_248_424, 0.819, 224], squeezenet1_1: [1_235_496, 0.349, 224],
  efficientnet_b0: [5_288_548, 0.386, 224], efficientnet_b1: [7_794_184, 0.687, 240],
  efficientnet_b2: [9_109_994, 1.088, 288], efficientnet_b3: [12_233_232, 1.827, 300],
  efficientnet_b4: [19_341_616, 4.394, 380], efficientnet_b5: [30_389_784, 10.266, 456],
  efficientnet_b6: [43_040_704, 19.068, 528], efficientnet_b7: [66_347_960, 37.746, 600],
};

for (const [name, [params, gmacs, size]] of Object.entries(TABLE)) {
  t.test(name, async (t) => {
    const m = createModel(name, { init: 'none' });
    t.equal(m.paramCount(), params, 'parameters equal torchvision exactly');
    const macs = countMacs(m, size) / 1e9;
    t.ok(Math.abs(macs - gmacs) / gmacs < 0.01, `GMACs ${macs.toFixed(4)} within 1% of ${gmacs} at ${size}`);
    m.dispose();
  });
}

t.test('inception_v3 with aux classifier', async (t) => {
  const m = createModel('inception_v3', { init: 'none', aux: true });
  t.equal(m.paramCount(), 27_161_264);
  t.ok(m.minInputSize > 200 && m.minInputSize <= 299, `aux head (5x5 conv after a 5/3 pool) needs a large input: ${m.minInputSize}`);
  t.equal(createModel('inception_v3', { init: 'none' }).minInputSize, 75, 'torchvision documents 75 as the smallest input');
  // aux runs only in training: eval-mode MACs are unchanged
  t.ok(Math.abs(countMacs(m, 299) / 1e9 - 5.713) / 5.713 < 0.01);
  m.dispose();
});

t.test('Keras Applications counts (params + BN moving statistics)', async (t) => {
  const keras: Record<string, number> = {
    mobilenet_v1: 4_253_864, resnet50_v2: 25_613_800, resnet101_v2: 44_675_560, resnet152_v2: 60_380_648, densenet121: 8_062_504,
  };
  for (const [name, n] of Object.entries(keras)) {
    const m = createModel(name, { init: 'none' });
    t.equal(kerasParamCount(m), n, name);
    m.dispose();
  }
  // Keras ResNet50 (v1) puts a bias on every conv: torchvision's layout + BN stats + those biases.
  const r = createModel('resnet50', { init: 'none' });
  t.equal(kerasParamCount(r, { convBias: true }), 25_636_712, 'Keras ResNet50');
  t.equal(kerasParamCount(r), 25_557_032 + 53_120, 'without conv biases: + 2 x 26,560 BN channels');
  r.dispose();
});

t.test('init none builds cannot run, and say why', async (t) => {
  const m = createModel('resnet18', { init: 'none', numClasses: 10 });
  t.equal(m.paramCount(), 11_689_512 - 1000 * 512 - 1000 + 10 * 512 + 10);
  const { Tensor } = await import('../../src/ts/core/tensor.js');
  const { initBackend } = await import('../../src/ts/core/registry.js');
  await import('../../src/ts/backends/js/index.js');
  await initBackend('js');
  const x = Tensor.zeros([1, 32, 32, 3]);
  t.throws(() => m.forward(x, { training: false }), /meta/, 'a ConvnetsError naming the storage-less backend');
  x.dispose();
});
