namespace RawFrames.Viewer;

/// <summary>The page at <c>/</c>: every stream in /state as a live MJPEG image, the list refreshed every two seconds.</summary>
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
          figure { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }
          img { max-width: 100%; background: #000; display: block; }
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
              img.src = '/stream/' + s.stream_id;
              figure.append(img, document.createElement('figcaption'));
              document.getElementById('streams').append(figure);
              shown.set(s.stream_id, figure);
            }
            figure.className = s.live ? '' : 'idle';
            figure.querySelector('figcaption').textContent =
              `stream ${s.stream_id}: ${s.width}x${s.height} ${s.codec}, ${s.fps} fps from ${s.remote}` +
              `${s.live ? '' : ' (ended)'}, ${s.viewers.length} viewer(s)` + (s.not_shown ? ` - ${s.not_shown}` : '');
          }
        }
        refresh();
        setInterval(refresh, 2000);
        </script>
        </body>
        </html>
        """;
}
