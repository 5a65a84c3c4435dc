// Plot annotations: x-axis guides (xMarks) in line charts, and the layers gradflow marks (stride-2
// convolutions, 1x1 downsample shortcuts) found from the modules.
import t from 'tap';
import { lineChart } from '../../src/ts/analysis/svg.js';
import { downsampleLayers } from '../../src/ts/cli/analyze.js';
import { createModel } from '../../src/architectures/index.js';

t.test('xMarks: one dashed guide per mark, labelled, not a legend entry', async (t) => {
  const svg = lineChart([{ name: 'a', points: [[1, 1], [10, 2]] }], { xMarks: [{ x: 3, label: 'here' }, { x: 5, label: 'there' }, { x: 1e9, label: 'off' }] });
  t.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'two guides: the mark outside the plotted range is skipped');
  t.notMatch(svg, />off</);
  t.match(svg, />here</); t.match(svg, />there</);
  t.equal((svg.match(/<rect x="\d+" y="[\d.-]+" width="12"/g) ?? []).length, 1, 'one legend entry: marks are not series');
});

t.test('downsampleLayers: ResNet-18 has 3 stride-2 3x3 convs and 3 1x1 shortcuts; a plain net none', async (t) => {
  const r = downsampleLayers(createModel('resnet18', { init: 'none' }));
  t.same([...r.shortcut], ['layer2.0.downsample.0.weight', 'layer3.0.downsample.0.weight', 'layer4.0.downsample.0.weight']);
  t.same([...r.strided], ['conv1.weight', 'layer2.0.conv1.weight', 'layer3.0.conv1.weight', 'layer4.0.conv1.weight']);
  const p = downsampleLayers(createModel('plain8', { init: 'none', inputChannels: 1, numClasses: 10, inputSize: 28 }));
  t.equal(p.shortcut.size, 0);
});
