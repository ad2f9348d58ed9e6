// Frames from /frames/ID painted on a canvas: each WebSocket message is a PROTOCOL.md FRAME (parsed by rawframes.js),
// its JPEG decoded with createImageBitmap and drawn with the frame's own detections (PROTOCOL.md §20: from the RESULT
// message that names it, sent just before it, or from its metadata), so a box is never drawn on another frame. A frame
// that arrives while the last is still decoding replaces any waiting one: the
// newest is painted, nothing queues. Once a second the painter reports what it painted (frames, capture-to-paint
// latency from each frame's timestamp) to its owner and, as a text message, to the server (/state shows it).
// The same code runs in a worker on an OffscreenCanvas (the page's default) and on the page's own canvas (fallback).
(function (global) {
  'use strict';

  class FramePainter {
    constructor(canvas, path, onReport) {
      this.canvas = canvas;
      this.context = canvas.getContext('2d');
      this.path = path;
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
      const frame = message.frame;
      const bitmap = await createImageBitmap(new Blob([message.payload], { type: 'image/jpeg' }));
      if (this.canvas.width !== bitmap.width || this.canvas.height !== bitmap.height) {
        this.canvas.width = bitmap.width;
        this.canvas.height = bitmap.height;
      }
      const context = this.context;
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
      // This frame's detections: from the RESULT that names it, else from its own metadata (PROTOCOL.md §20).
      const result = this.results.get(frame.sequence);
      for (const sequence of this.results.keys()) if (sequence <= frame.sequence) this.results.delete(sequence);
      const json = result || (frame.flags & global.RawFrames.FLAG_METADATA_JSON && message.metadata.length ? message.metadata : null);
      this.boxesFrom = result ? 'result' : json ? 'metadata' : null;
      if (json) {
        let found = {};
        try { found = JSON.parse(new TextDecoder().decode(json)); } catch { /* not JSON after all: no boxes */ }
        drawDetections(context, found.detections || [], frame.width / (this.sourceWidth || frame.width));
      }
      this.painted++;
      this.sequence = frame.sequence;
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
      const data = this.context.getImageData(0, row, this.canvas.width, 1).data;
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
