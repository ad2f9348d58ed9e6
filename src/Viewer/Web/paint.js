// Frames from /frames/ID painted on a canvas: each WebSocket message is a PROTOCOL.md FRAME (parsed by rawframes.js),
// its JPEG decoded with createImageBitmap and drawn with the frame's own detections (PROTOCOL.md §20: from the RESULT
// message that names it, sent just before it, or from its metadata), so a box is never drawn on another frame. A frame
// that arrives while the last is still decoding replaces any waiting one: the
// newest is painted, nothing queues. Once a second the painter reports what it painted (frames, capture-to-paint
// latency from each frame's timestamp) to its owner and, as a text message, to the server (/state shows it).
// The same code runs in a worker on an OffscreenCanvas (the page's default) and on the page's own canvas (fallback).
(function (global) {
  'use strict';

  // Raw J420 frames (PROTOCOL.md §7.1: full-range BT.601 YUV 4:2:0, stride = width) drawn with WebGL: the three
  // planes as textures, converted to RGB in a fragment shader. For a page on the receiver's host (/frames/ID?format=yuv):
  // nothing to decode in the browser.
  class YuvGl {
    constructor(canvas) {
      const gl = canvas.getContext('webgl', { alpha: false, antialias: false, depth: false, preserveDrawingBuffer: true });
      if (!gl) throw new Error('no WebGL');
      const shader = (type, source) => {
        const s = gl.createShader(type);
        gl.shaderSource(s, source);
        gl.compileShader(s);
        return s;
      };
      const program = gl.createProgram();
      gl.attachShader(program, shader(gl.VERTEX_SHADER,
        'attribute vec2 p; varying vec2 t; void main() { t = vec2(p.x + 1.0, 1.0 - p.y) * 0.5; gl_Position = vec4(p, 0.0, 1.0); }'));
      gl.attachShader(program, shader(gl.FRAGMENT_SHADER, 'precision mediump float; varying vec2 t; uniform sampler2D y, u, v; void main() {' +
        ' float Y = texture2D(y, t).r, U = texture2D(u, t).r - 0.5, V = texture2D(v, t).r - 0.5;' +
        ' gl_FragColor = vec4(Y + 1.402 * V, Y - 0.344136 * U - 0.714136 * V, Y + 1.772 * U, 1.0); }'));
      gl.linkProgram(program);
      gl.useProgram(program);
      gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
      gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
      const p = gl.getAttribLocation(program, 'p');
      gl.enableVertexAttribArray(p);
      gl.vertexAttribPointer(p, 2, gl.FLOAT, false, 0, 0);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      this.textures = ['y', 'u', 'v'].map((name, unit) => {
        const texture = gl.createTexture();
        gl.activeTexture(gl.TEXTURE0 + unit);
        gl.bindTexture(gl.TEXTURE_2D, texture);
        for (const [key, value] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_MAG_FILTER, gl.LINEAR], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) {
          gl.texParameteri(gl.TEXTURE_2D, key, value);
        }
        gl.uniform1i(gl.getUniformLocation(program, name), unit);
        return texture;
      });
      this.gl = gl;
      this.canvas = canvas;
    }

    draw(frame, planes) {
      const gl = this.gl, w = frame.width, h = frame.height, cw = (w + 1) >> 1, ch = (h + 1) >> 1;
      if (this.canvas.width !== w || this.canvas.height !== h) { this.canvas.width = w; this.canvas.height = h; }
      gl.viewport(0, 0, w, h);
      const sizes = [[w, h, 0], [cw, ch, w * h], [cw, ch, w * h + cw * ch]];
      sizes.forEach(([pw, ph, offset], unit) => {
        gl.activeTexture(gl.TEXTURE0 + unit);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.LUMINANCE, pw, ph, 0, gl.LUMINANCE, gl.UNSIGNED_BYTE, planes.subarray(offset, offset + pw * ph));
      });
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }

    row(y) {
      const gl = this.gl, data = new Uint8Array(this.canvas.width * 4);
      gl.readPixels(0, this.canvas.height - 1 - y, this.canvas.width, 1, gl.RGBA, gl.UNSIGNED_BYTE, data);
      return data;
    }
  }

  class FramePainter {
    // format 'yuv': frames come as raw J420 and are drawn with WebGL (no boxes on this path); otherwise on a 2d context,
    // as JPEG (decoded with createImageBitmap) or, with format 'bgra', as BGRA32 pixels (putImageData).
    constructor(canvas, path, onReport, format) {
      this.canvas = canvas;
      this.yuv = format === 'yuv' ? new YuvGl(canvas) : null;
      this.context = this.yuv ? null : canvas.getContext('2d');
      this.path = this.yuv ? path + ', webgl' : format === 'bgra' ? path + ', bgra' : path;
      this.onReport = onReport;
      this.sourceWidth = 0; // the stream's own width: boxes are in its pixels, frames may come scaled
      this.socket = null;
      this.waiting = null;
      this.busy = false;
      this.painted = 0;
      this.sequence = null;
      this.latencies = [];
      this.timer = null;
      this.results = new Map(); // sequence (BigInt) -> a RESULT's JSON bytes
    }

    connect(url) {
      if (this.socket) this.socket.close();
      this.socket = null;
      clearInterval(this.timer);
      if (!url) return;
      const socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      socket.onmessage = event => {
        if (typeof event.data === 'string') return;
        const message = global.RawFrames.readMessage(new Uint8Array(event.data), 0, 0xffffffff);
        if (message && message.type === global.RawFrames.MessageType.RESULT) {
          // A subscriber's result for a frame (it comes just before that frame): kept for it by sequence number.
          const result = global.RawFrames.parseResult(message.body);
          if (result.isJson) this.results.set(result.sequence, result.data.slice());
          return;
        }
        if (!message || message.type !== global.RawFrames.MessageType.FRAME) return;
        this.waiting = message; // a newer frame replaces one not yet started
        if (!this.busy) this.paintWaiting();
      };
      this.socket = socket;
      this.timer = setInterval(() => this.report(), 1000);
    }

    async paintWaiting() {
      this.busy = true;
      try {
        while (this.waiting) {
          const message = this.waiting;
          this.waiting = null;
          await this.paint(message);
        }
      } finally {
        this.busy = false;
      }
    }

    async paint(message) {
      const frame = message.frame, RF = global.RawFrames, raw = frame.codec === RF.Codec.RAW;
      if (this.yuv) {
        if (!raw || frame.pixelFormat !== RF.PixelFormat.J420) return; // a JPEG on the WebGL path (not 4:2:0): not drawn
        this.yuv.draw(frame, message.payload);
        this.boxesFrom = null;
        this.takeResult(frame);
      } else {
        if (raw && frame.pixelFormat === RF.PixelFormat.BGRA32 && frame.stride === frame.width * 4) {
          this.drawBgra(frame, message.payload);
        } else if (!raw) {
          await this.drawJpeg(message.payload);
        } else {
          return; // a raw layout this page does not draw
        }
        this.boxesFrom = this.drawBoxes(message);
      }
      this.painted++;
      this.sequence = frame.sequence;
      this.measure(frame);
    }

    sizeTo(width, height) {
      if (this.canvas.width !== width || this.canvas.height !== height) {
        this.canvas.width = width;
        this.canvas.height = height;
      }
    }

    async drawJpeg(payload) {
      const bitmap = await createImageBitmap(new Blob([payload], { type: 'image/jpeg' }));
      this.sizeTo(bitmap.width, bitmap.height);
      this.context.drawImage(bitmap, 0, 0);
      bitmap.close();
    }

    // BGRA32 pixels (/frames/ID?format=bgra, decoded by the receiver on this host): B and R swapped in place in the
    // message's own buffer, which then becomes the ImageData: no decode, one pass, no copy before putImageData. Each
    // WebSocket message is one PROTOCOL.md message, so the payload is 8-aligned (§6 Alignment): 32-bit words.
    drawBgra(frame, payload) {
      const w = frame.width, h = frame.height;
      const words = new Uint32Array(payload.buffer, payload.byteOffset, w * h); // little-endian: 0xAARRGGBB
      for (let i = 0; i < words.length; i++) {
        const v = words[i];
        words[i] = 0xff000000 | (v & 0xff00) | ((v & 0xff) << 16) | ((v >>> 16) & 0xff);
      }
      this.sizeTo(w, h);
      this.context.putImageData(new ImageData(new Uint8ClampedArray(payload.buffer, payload.byteOffset, w * h * 4), w, h), 0, 0);
    }

    // The RESULT that names this frame, if one came; results for this frame and older ones are dropped.
    takeResult(frame) {
      const result = this.results.get(frame.sequence);
      for (const sequence of this.results.keys()) if (sequence <= frame.sequence) this.results.delete(sequence);
      return result;
    }

    // This frame's detections: from the RESULT that names it, else from its own metadata (PROTOCOL.md §20). Returns
    // where they came from ('result', 'metadata' or null).
    drawBoxes(message) {
      const frame = message.frame, result = this.takeResult(frame);
      const json = result || (frame.flags & global.RawFrames.FLAG_METADATA_JSON && message.metadata.length ? message.metadata : null);
      if (json) {
        let found = {};
        try { found = JSON.parse(new TextDecoder().decode(json)); } catch { /* not JSON after all: no boxes */ }
        drawDetections(this.context, found.detections || [], frame.width / (this.sourceWidth || frame.width));
      }
      return result ? 'result' : json ? 'metadata' : null;
    }

    // Capture (the frame's timestamp) to now, when the frame is drawn: one host, one clock.
    measure(frame) {
      const latency = Date.now() - Number(frame.timestampNs / 1000000n);
      if (latency >= 0 && latency < 60000) {
        this.latencies.push(latency);
        if (this.latencies.length > 600) this.latencies.splice(0, this.latencies.length - 600);
      }
    }

    // The painted frame's sequence number, where its boxes came from (a RESULT, its metadata, none) and one row of its
    // pixels (RGBA), read together: what is on the canvas now.
    probe(row) {
      if (this.sequence === null) return null;
      const data = this.yuv ? this.yuv.row(row) : this.context.getImageData(0, row, this.canvas.width, 1).data;
      return { sequence: this.sequence.toString(), boxesFrom: this.boxesFrom, row: Array.from(data) };
    }

    report() {
      const sorted = [...this.latencies].sort((a, b) => a - b);
      const at = p => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;
      const report = { painted: this.painted, latency_ms_p50: at(0.5), latency_ms_p99: at(0.99), path: this.path,
        sequence: this.sequence === null ? null : this.sequence.toString() };
      if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(report));
      if (this.onReport) this.onReport(report);
    }
  }

  function drawDetections(context, detections, scale) {
    context.strokeStyle = '#ff0000';
    context.fillStyle = '#ff0000';
    context.lineWidth = 2;
    context.font = '12px sans-serif';
    for (const d of detections) {
      if (!Array.isArray(d.box) || d.box.length !== 4) continue;
      const [x, y, w, h] = d.box;
      context.strokeRect(x * scale, y * scale, w * scale, h * scale);
      if (d.label) context.fillText(d.label + (typeof d.score === 'number' ? ' ' + d.score.toFixed(2) : ''), x * scale + 2, Math.max(10, y * scale - 3));
    }
  }

  global.FramePainter = FramePainter;
})(typeof self !== 'undefined' ? self : globalThis);
