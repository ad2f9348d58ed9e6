namespace RawFrames.Viewer;

/// <summary>
/// The page at <c>/</c>: every stream in /state in a grid of thumbnails, each drawn on a canvas from /frames/ID by a
/// worker and asking for frames at the width it is shown (the receiver scales once, the browser decodes a thumbnail);
/// a click opens a stream at full width and back (<c>/#full</c> opens them all; <c>/#main</c> draws on the page's
/// thread instead of a worker's; <c>/#img</c> shows MJPEG <c>img</c> tags from <c>/stream/ID?width=W</c> instead;
/// <c>/#yuv</c> raw J420 frames drawn with WebGL; <c>/#bgra</c> BGRA32 pixels put on a 2d canvas). A stream out of view, or the whole page
/// in a hidden tab, is not streamed at all. A stream whose frames carry detections is drawn on a canvas with each
/// frame's own boxes (Web/paint.js, in a worker: Web/viewer-worker.js; frames parsed by Web/rawframes.js). Pause,
/// snapshot and fullscreen per stream. The list is refreshed every two seconds.
/// </summary>
public static class ViewerPage
{
    public const string Html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>RawFrames streams</title>
        <style>
          body { font-family: sans-serif; background: #111; color: #ddd; margin: 1em; }
          figure { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; width: min(480px, 100%); }
          figure.full, figure:fullscreen { display: block; width: 100%; }
          figure:fullscreen img, figure:fullscreen canvas { max-height: 92vh; margin: auto; }
          img { max-width: 100%; background: #000; display: block; cursor: zoom-in; }
          figure.full img { cursor: zoom-out; }
          figcaption button, figcaption a { font-size: 0.85em; margin-left: 0.5em; color: #9cf; background: none; border: 1px solid #555; border-radius: 3px; padding: 0 0.4em; cursor: pointer; text-decoration: none; }
          figcaption { font-size: 0.85em; margin-top: 0.3em; }
          .idle { opacity: 0.5; }
        </style>
        </head>
        <body>
        <script src="/rawframes.js"></script>
        <script src="/paint.js"></script>
        <h1>RawFrames streams</h1>
        <p id="empty">No stream yet: waiting for a sender.</p>
        <div id="streams"></div>
        <script>
        const shown = new Map();
        // Frames at the width the image is shown (device pixels), and none for a stream out of view or a hidden page.
        function source(figure) {
          const width = Math.max(16, Math.round(figure.clientWidth * (window.devicePixelRatio || 1)));
          return '/stream/' + figure.dataset.stream + '?width=' + width;
        }
        // A stream whose frames carry detections (PROTOCOL.md §20), or every stream with /#canvas, is drawn on a canvas
        // from /frames/ID: PROTOCOL.md FRAME messages, each with its own boxes. By default a worker draws it on an
        // OffscreenCanvas (paint.js in viewer-worker.js); where a browser lacks that, or with /#main, the page does.
        const offscreen = typeof Worker !== 'undefined' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype && !location.hash.includes('main');
        function paintOnCanvas(figure, canvas) {
          const onReport = report => {
            figure.paint = report;
            if (report.sequence !== null) canvas.dataset.sequence = report.sequence;
          };
          if (offscreen) {
            const worker = new Worker('/viewer-worker.js');
            const pending = new Map();
            worker.onmessage = event => {
              if (event.data.report) onReport(event.data.report);
              if ('probe' in event.data && pending.has(event.data.probe)) { pending.get(event.data.probe)(event.data.result); pending.delete(event.data.probe); }
            };
            const surface = canvas.transferControlToOffscreen();
            worker.postMessage({ canvas: surface, sourceWidth: Number(figure.dataset.width), format: figure.dataset.format }, [surface]);
            let probes = 0;
            figure.painter = {
              connect: url => worker.postMessage({ url, sourceWidth: Number(figure.dataset.width) }),
              probe: row => new Promise(resolve => {
                const id = ++probes;
                pending.set(id, resolve);
                worker.postMessage({ probe: id, row });
                setTimeout(() => { if (pending.delete(id)) resolve(null); }, 2000); // a worker that does not answer
              }),
            };
          } else {
            const painter = new FramePainter(canvas, 'page', onReport, figure.dataset.format);
            figure.painter = {
              connect: url => { painter.sourceWidth = Number(figure.dataset.width); painter.connect(url); },
              probe: row => Promise.resolve(painter.probe(row)),
            };
          }
        }
        // What is on stream ID's canvas now: its frame's sequence number and one row of pixels (for tests and tools).
        window.rawframesProbe = (id, row) => shown.get(id) && shown.get(id).painter ? shown.get(id).painter.probe(row) : Promise.resolve(null);
        function update(figure) {
          const img = figure.querySelector('img');
          const active = document.visibilityState === 'visible' && figure.dataset.visible === '1' && figure.dataset.paused !== '1';
          if (figure.dataset.mode === 'canvas') {
            if (img.getAttribute('src')) img.removeAttribute('src');
            const url = active ? (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + source(figure).replace('/stream/', '/frames/') +
              (figure.dataset.format ? '&format=' + figure.dataset.format : '') : null;
            if (figure.frames !== url) { figure.frames = url; figure.painter.connect(url); }
            return;
          }
          const wanted = active ? source(figure) : '';
          if (wanted === '') { if (img.getAttribute('src')) img.removeAttribute('src'); }
          else if (!img.getAttribute('src') || !img.src.endsWith(wanted)) img.src = wanted;
        }
        const inView = new IntersectionObserver(entries => {
          for (const entry of entries) { entry.target.dataset.visible = entry.isIntersecting ? '1' : '0'; update(entry.target); }
        });
        document.addEventListener('visibilitychange', () => shown.forEach(update));
        document.addEventListener('fullscreenchange', () => shown.forEach(update)); // frames at the size now shown
        async function refresh() {
          let state;
          try { state = await (await fetch('/state', { cache: 'no-store' })).json(); } catch { return; }
          document.getElementById('empty').hidden = state.streams.length > 0;
          for (const s of state.streams) {
            let figure = shown.get(s.stream_id);
            if (!figure) {
              figure = document.createElement('figure');
              const img = document.createElement('img');
              img.id = 'stream-' + s.stream_id;
              img.alt = 'stream ' + s.stream_id;
              figure.dataset.stream = s.stream_id;
              figure.dataset.visible = '0';
              if (location.hash.includes('full')) figure.classList.add('full'); // every stream opened: /#full
              img.addEventListener('click', () => { figure.classList.toggle('full'); update(figure); });
              const caption = document.createElement('figcaption');
              const text = document.createElement('span');
              const pause = document.createElement('button');
              pause.textContent = 'pause';
              pause.addEventListener('click', () => {
                figure.dataset.paused = figure.dataset.paused === '1' ? '0' : '1';
                pause.textContent = figure.dataset.paused === '1' ? 'resume' : 'pause';
                update(figure);
              });
              const snapshot = document.createElement('a');
              snapshot.textContent = 'snapshot';
              snapshot.href = '/snapshot/' + s.stream_id;
              snapshot.download = 'stream' + s.stream_id + '.jpg';
              const fullscreen = document.createElement('button');
              fullscreen.textContent = 'fullscreen';
              fullscreen.addEventListener('click', () => document.fullscreenElement ? document.exitFullscreen() : figure.requestFullscreen());
              caption.append(text, pause, snapshot, fullscreen);
              figure.append(img, caption);
              document.getElementById('streams').append(figure);
              shown.set(s.stream_id, figure);
              inView.observe(figure);
            }
            figure.dataset.width = s.width;
            // Streams are drawn on canvases by default: measured the cheapest for Chromium at full size and as
            // thumbnails (scripts/measure-browser.sh), and the only way that knows which frame it paints. /#img shows
            // MJPEG in <img> tags instead (also where a browser lacks WebSockets or createImageBitmap; a stream with
            // detections still gets a canvas); /#yuv draws raw J420 with WebGL (a page on the receiver's host with a
            // GPU: the browser decodes nothing; with software rendering it costs more; no boxes on that path).
            // /#bgra: BGRA32 pixels decoded by the receiver, put on a 2d canvas (a page on the receiver's host: no decode
            // in the browser, boxes drawn as on the JPEG path).
            const yuv = location.hash.includes('yuv') && !s.detections;
            const bgra = location.hash.includes('bgra');
            const canvases = !location.hash.includes('img') && typeof WebSocket !== 'undefined' && typeof createImageBitmap !== 'undefined';
            if ((s.detections || yuv || canvases) && figure.dataset.mode !== 'canvas') {
              figure.dataset.mode = 'canvas';
              if (yuv) figure.dataset.format = 'yuv';
              else if (bgra) figure.dataset.format = 'bgra';
              const canvas = document.createElement('canvas');
              canvas.id = 'canvas-' + s.stream_id;
              canvas.style.maxWidth = '100%';
              canvas.addEventListener('click', () => { figure.classList.toggle('full'); update(figure); });
              figure.querySelector('img').hidden = true;
              figure.insertBefore(canvas, figure.querySelector('figcaption'));
              paintOnCanvas(figure, canvas);
              update(figure);
            }
            if (figure.dataset.ended === '1' && !s.live) continue; // an ended stream keeps its last image and its figures as they were
            figure.classList.toggle('idle', !s.live);
            // A replay's timestamps are the recording's: no latency is shown for it, and the caption says why.
            const latency = s.replay ? ', a replay (recorded times: no latency)' : s.latency_ms === null ? '' : `, latency ${s.latency_ms} ms`;
            const paint = figure.paint;
            const painted = !paint ? '' : `, painted ${paint.painted} frames${paint.latency_ms_p50 === null || s.replay ? '' : `, capture to paint ${paint.latency_ms_p50} ms`}` +
              (paint.path.startsWith('worker') ? ' (drawn off the main thread' + (paint.path.endsWith('webgl') ? ', YUV with WebGL)' :
                paint.path.endsWith('bgra') ? ', pixels decoded by the receiver)' : ')') : '');
            const r = s.results;
            const results = !r || r.received === 0 ? '' : `, boxes from a model's results: ${r.shown_with_result} frames shown with theirs, ` +
              `${r.shown_without_result} without (each held up to ${r.budget_ms} ms for it)`;
            figure.querySelector('figcaption span').textContent =
              `stream ${s.stream_id}: ${s.width}x${s.height} ${s.format}, ${s.fps.toFixed(1)} fps${latency}${painted}${results}, ${s.gaps} gaps, ` +
              `${s.skipped_while_encoding} not shown while encoding, from ${s.remote}, ${s.viewers.length} viewer(s)` +
              (s.live ? '' : ' - ended: the last frame is kept') + (s.not_shown ? ` - ${s.not_shown}` : '');
            figure.dataset.ended = s.live ? '0' : '1';
          }
        }
        refresh();
        setInterval(refresh, 2000);
        </script>
        </body>
        </html>
        """;
}
