/* The quality of a video call's connection: round trip, packet loss and bitrate from each
   peer connection's WebRTC statistics every 2 s, shown as good or poor (with the figures for
   the worker). Reads the call that video-call.js runs, from window.videoCall. */
(function () {
  "use strict";
  var call = window.videoCall;
  if (!call) return;
  var root = call.root;
  var peers = call.peers;
  var text = call.text;
  var role = root.dataset.role;
  var $ = function (sel) { return root.querySelector(sel); };

  function measure() {
    if (call.isEnded() || !peers.size) return;
    var worst = null;
    var all = [];
    peers.forEach(function (peer) {
      all.push(peer.pc.getStats().then(function (stats) {
        var rtt = null, bytes = 0, lost = 0, received = 0;
        stats.forEach(function (r) {
          if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded" &&
              r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime;
          if (r.type === "inbound-rtp") {
            bytes += r.bytesReceived || 0; lost += r.packetsLost || 0;
            received += r.packetsReceived || 0;
          }
        });
        var now = performance.now();
        var q = { rtt: rtt, bitrate: 0, loss: 0 };
        if (peer.last) {
          var dt = (now - peer.last.t) / 1000;
          var dLost = lost - peer.last.lost, dRecv = received - peer.last.received;
          q.bitrate = dt > 0 ? (bytes - peer.last.bytes) * 8 / dt : 0;
          q.loss = dLost + dRecv > 0 ? dLost / (dLost + dRecv) : 0;
        }
        peer.last = { t: now, bytes: bytes, lost: lost, received: received };
        peer.quality = q;
        if (!worst || (q.rtt || 0) > (worst.rtt || 0) || q.loss > worst.loss) worst = q;
      }));
    });
    Promise.all(all).then(function () { if (worst) showQuality(worst); });
  }

  function showQuality(q) {
    var el = $(".quality");
    if (!el) return;
    el.hidden = false;
    var poor = (q.rtt !== null && q.rtt > 0.4) || q.loss > 0.05 ||
               (!call.state.audioOnly && q.bitrate > 0 && q.bitrate < 100000);
    el.classList.toggle("poor", poor);
    el.classList.toggle("good", !poor);
    var words = text(poor ? "poor" : "good");
    if (role === "worker") {
      words += " · RTT " + (q.rtt === null ? "–" : Math.round(q.rtt * 1000) + " ms") +
               " · " + (q.loss * 100).toFixed(1) + " % " + text("loss") +
               " · " + (q.bitrate / 1e6).toFixed(2) + " Mbit/s";
    }
    $(".quality-text").textContent = words;
    call.quality = q;
  }
  setInterval(measure, 2000);
})();
