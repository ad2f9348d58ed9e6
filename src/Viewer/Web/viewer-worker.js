// One stream drawn off the page's main thread: the page hands over its canvas (an OffscreenCanvas) and the /frames/ID
// address; the FramePainter (paint.js) does the rest here, and its figures go back to the page.
importScripts('/rawframes.js', '/paint.js');

let painter = null;

self.onmessage = event => {
  const message = event.data;
  if (message.canvas) painter = new self.FramePainter(message.canvas, 'worker', report => self.postMessage({ report }), message.format);
  if (!painter) return;
  if ('sourceWidth' in message) painter.sourceWidth = message.sourceWidth;
  if ('url' in message) painter.connect(message.url);
  if ('probe' in message) self.postMessage({ probe: message.probe, result: painter.probe(message.row) });
};
