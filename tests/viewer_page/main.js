// A small Cornerstone3D page for the project's viewer tests (tests/test_viewers_in_browser.py): it shows one
// instance's frame from a DICOMweb server with the wadors loader, then sets window.dhResult to the canvas's pixel
// statistics (or window.dhError). Query: ?base=<DICOMweb base URL>&study=&series=&instance=&frame=
import * as cs from '@cornerstonejs/core';
import dicomImageLoader, { init as loaderInit } from '@cornerstonejs/dicom-image-loader';

async function show() {
  const q = new URLSearchParams(location.search);
  const base = q.get('base');
  const path = `${base}/studies/${q.get('study')}/series/${q.get('series')}/instances/${q.get('instance')}`;
  await cs.init();
  cs.setUseCPURendering(true);          // a 2D canvas whose pixels can be read back, no GPU needed
  loaderInit({ maxWebWorkers: 1 });
  const answer = await fetch(`${path}/metadata`, { headers: { Accept: 'application/dicom+json' } });
  if (!answer.ok) throw new Error(`metadata: HTTP ${answer.status}`);
  const metadata = (await answer.json())[0];
  const imageId = `wadors:${path}/frames/${q.get('frame') || 1}`;
  // the loader keeps a multi-frame instance's metadata under its first frame (as OHIF adds it)
  dicomImageLoader.wadors.metaDataManager.add(`wadors:${path}/frames/1`, metadata);
  const element = document.getElementById('viewport');
  const engine = new cs.RenderingEngine('dh');
  engine.enableElement({ viewportId: 'vp', element, type: cs.Enums.ViewportType.STACK });
  const viewport = engine.getViewport('vp');
  await viewport.setStack([imageId]);
  viewport.render();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const canvas = element.querySelector('canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, sum2 = 0, nonBlack = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    sum += y; sum2 += y * y; if (y > 8) nonBlack += 1;
  }
  const mean = sum / n;
  window.dhResult = { width: canvas.width, height: canvas.height, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
                      nonBlack: nonBlack / n, transferSyntax: metadata['00020010']?.Value?.[0] || null };
}

show().catch((error) => { window.dhError = String(error && error.stack || error); });
