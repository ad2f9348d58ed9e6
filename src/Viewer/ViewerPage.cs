namespace RawFrames.Viewer;

/// <summary>
/// The page at <c>/</c>: every stream in /state as a live MJPEG image in a grid of thumbnails, each asking for frames
/// at the width it is shown (<c>/stream/ID?width=W</c>: the receiver scales once, the browser decodes a thumbnail);
/// a click opens a stream at full width and back (<c>/#full</c> opens them all; <c>/#canvas</c> draws them all on canvases). A stream out of view, or the whole page in a hidden tab, is not
/// streamed at all. A stream whose frames carry detections is drawn on a canvas with each frame's own boxes. The list
/// is refreshed every two seconds.
/// </summary>
internal static class ViewerPage
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
          figure.full { display: block; width: 100%; }
          img { max-width: 100%; background: #000; display: block; cursor: zoom-in; }
          figure.full img { cursor: zoom-out; }
          figcaption button, figcaption a { font-size: 0.85em; margin-left: 0.5em; color: #9cf; background: none; border: 1px solid #555; border-radius: 3px; padding: 0 0.4em; cursor: pointer; text-decoration: none; }
          figcaption { font-size: 0.85em; margin-top: 0.3em; }
          .idle { opacity: 0.5; }
        </style>
        </head>
        <body>
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
        // A stream whose frames carry detections (PROTOCOL.md §20) is drawn on a canvas from /frames/ID, a WebSocket
        // that sends each frame with its own metadata: the boxes drawn are always the shown frame's.
        async function draw(figure, data) {
          const view = new DataView(data);
          const sequence = view.getBigUint64(0, true);
          const length = view.getUint32(8, true);
          const meta = length ? JSON.parse(new TextDecoder().decode(new Uint8Array(data, 12, length))) : {};
          const bitmap = await createImageBitmap(new Blob([new Uint8Array(data, 12 + length)], { type: 'image/jpeg' }));
          const canvas = figure.querySelector('canvas');
          if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) { canvas.width = bitmap.width; canvas.height = bitmap.height; }
          const context = canvas.getContext('2d');
          context.drawImage(bitmap, 0, 0);
          const scale = bitmap.width / Number(figure.dataset.width || bitmap.width);
          bitmap.close();
          context.strokeStyle = '#ff0000'; context.fillStyle = '#ff0000'; context.lineWidth = 2; context.font = '12px sans-serif';
          for (const d of (meta.detections || [])) {
            const [x, y, w, h] = d.box;
            context.strokeRect(x * scale, y * scale, w * scale, h * scale);
            if (d.label) context.fillText(d.label + (typeof d.score === 'number' ? ' ' + d.score.toFixed(2) : ''), x * scale + 2, Math.max(10, y * scale - 3));
          }
          canvas.dataset.sequence = sequence.toString();
        }
        function update(figure) {
          const img = figure.querySelector('img');
          const active = document.visibilityState === 'visible' && figure.dataset.visible === '1' && figure.dataset.paused !== '1';
          if (figure.dataset.mode === 'canvas') {
            if (img.getAttribute('src')) img.removeAttribute('src');
            const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + source(figure).replace('/stream/', '/frames/');
            if (!active || (figure.socket && figure.socket.url !== url)) { if (figure.socket) figure.socket.close(); figure.socket = null; }
            if (active && !figure.socket) {
              figure.socket = new WebSocket(url);
              figure.socket.binaryType = 'arraybuffer';
              figure.socket.onmessage = event => draw(figure, event.data);
            }
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
              caption.append(text, pause, snapshot);
              figure.append(img, caption);
              document.getElementById('streams').append(figure);
              shown.set(s.stream_id, figure);
              inView.observe(figure);
            }
            figure.dataset.width = s.width;
            if ((s.detections || location.hash.includes('canvas')) && figure.dataset.mode !== 'canvas') { // /#canvas: every stream so
              figure.dataset.mode = 'canvas';
              const canvas = document.createElement('canvas');
              canvas.id = 'canvas-' + s.stream_id;
              canvas.style.maxWidth = '100%';
              canvas.addEventListener('click', () => { figure.classList.toggle('full'); update(figure); });
              figure.querySelector('img').hidden = true;
              figure.insertBefore(canvas, figure.querySelector('figcaption'));
              update(figure);
            }
            if (figure.dataset.ended === '1' && !s.live) continue; // an ended stream keeps its last image and its figures as they were
            figure.classList.toggle('idle', !s.live);
            const latency = s.latency_ms === null ? '' : `, latency ${s.latency_ms} ms`;
            figure.querySelector('figcaption span').textContent =
              `stream ${s.stream_id}: ${s.width}x${s.height} ${s.format}, ${s.fps.toFixed(1)} fps${latency}, ${s.gaps} gaps, ` +
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
