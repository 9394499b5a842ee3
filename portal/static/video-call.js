/* Video calls in the browser: Socket.IO signalling, a WebRTC mesh of up to three people.
   Media goes browser to browser; the server only relays offers, answers and candidates.
   The page carries everything in data- attributes (strict CSP: no inline script).
   video-quality.js, loaded after this, shows the connection's quality from window.videoCall. */
(function () {
  "use strict";
  var root = document.querySelector("[data-video-call]");
  if (!root || typeof io === "undefined") return;

  var token = root.dataset.token;
  var role = root.dataset.role;
  var $ = function (sel) { return root.querySelector(sel); };
  var text = function (key, name) {
    var el = root.querySelector('.texts [data-text="' + key + '"]');
    var s = el ? el.textContent : key;
    return name ? s.replace("%(name)s", name) : s;
  };
  var statusEl = $(".status");
  // The status is a live region: the same words set again would be read out again.
  var say = function (key, name) {
    var words = text(key, name);
    if (statusEl.textContent !== words) statusEl.textContent = words;
  };

  var socket = null;
  var me = null;
  var rtc = { iceServers: [] };
  var local = null;          // our MediaStream
  var peers = new Map();     // pid -> {pc, name, offerer, video, restartTimer, goneTimer}
  var ended = false;
  var joined = false;
  var wantJoin = false;
  var askAgain = null;
  var WAIT_ASK_MS = 5000;
  var state = { audio: true, video: true, audioOnly: false, noCamera: false };
  var api = { peers: peers, firstFrameAt: null, answeredAt: null, marks: {},
              // For video-quality.js, which shows how good the connection is.
              root: root, text: text, state: state,
              isEnded: function () { return ended; } };
  var mark = function (name) { if (!api.marks[name]) api.marks[name] = performance.now(); };
  window.videoCall = api;

  // -- media ----------------------------------------------------------------------------------

  function getMedia() {
    if (local) return Promise.resolve(local);
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) return Promise.resolve(null);
    return md.getUserMedia({ audio: true, video: { width: 640, height: 480 } })
      .catch(function () {
        state.noCamera = true;
        return md.getUserMedia({ audio: true, video: false });
      })
      .catch(function () { return null; })
      .then(function (stream) {
        mark("media");
        local = stream;
        if (!stream) { say("no-media"); return null; }
        if (state.noCamera) { say("no-camera"); state.video = false; }
        var self = $("video.self");
        if (self && stream.getVideoTracks().length) self.srcObject = stream;
        return stream;
      });
  }

  function setTrackEnabled(kind, on) {
    if (!local) return;
    local.getTracks().forEach(function (t) { if (t.kind === kind) t.enabled = on; });
  }

  // -- peer connections -----------------------------------------------------------------------

  function newPeer(info, offerer) {
    var old = peers.get(info.pid);
    if (old) { clearTimeout(old.goneTimer); old.pc.close(); }
    var pc = new RTCPeerConnection(rtc);
    var peer = { pc: pc, name: info.name, role: info.role, offerer: offerer, video: null,
                 restartTimer: null, goneTimer: null, last: null };
    peers.set(info.pid, peer);
    if (local) local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
    // Always ready to receive both, even without a camera or microphone of our own.
    var kinds = local ? local.getTracks().map(function (t) { return t.kind; }) : [];
    if (kinds.indexOf("audio") < 0) pc.addTransceiver("audio", { direction: "recvonly" });
    if (kinds.indexOf("video") < 0) pc.addTransceiver("video", { direction: "recvonly" });

    pc.onicecandidate = function (e) {
      if (e.candidate) send(info.pid, "candidate", { candidate: e.candidate.toJSON() });
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected") mark("dtls");
    };
    pc.ontrack = function (e) { showRemote(info.pid, e.streams[0] || new MediaStream([e.track])); };
    pc.oniceconnectionstatechange = function () {
      var s = pc.iceConnectionState;
      if (s === "connected" || s === "completed") {
        mark("ice");
        clearTimeout(peer.restartTimer); peer.restartTimer = null; say("in-call");
      } else if (s === "failed") {
        restart(info.pid);
      } else if (s === "disconnected" && !peer.restartTimer) {
        say("lost");
        peer.restartTimer = setTimeout(function () { restart(info.pid); }, 2500);
      }
    };
    return peer;
  }

  function showRemote(pid, stream) {
    var peer = peers.get(pid);
    if (!peer) return;
    var main = $("video.remote");
    var el = peer.video;
    if (!el) {
      el = (!main.dataset.pid || main.dataset.pid === String(pid)) ? main : null;
      if (!el) {
        el = document.createElement("video");
        el.autoplay = true; el.playsInline = true; el.className = "remote other";
        $(".others").appendChild(el);
      }
      el.dataset.pid = String(pid);
      peer.video = el;
    }
    el.srcObject = stream;
    el.play().catch(function () {});
    watchFirstFrame(el);
  }

  function watchFirstFrame(el) {
    if (api.firstFrameAt || !el.requestVideoFrameCallback) return;
    el.requestVideoFrameCallback(function () {
      if (!api.firstFrameAt) api.firstFrameAt = performance.now();
    });
  }

  function offer(pid, restartIce) {
    var peer = peers.get(pid);
    if (!peer) return;
    var pc = peer.pc;
    if (restartIce && pc.restartIce) pc.restartIce();
    pc.createOffer(restartIce ? { iceRestart: true } : {})
      .then(function (o) { return pc.setLocalDescription(o); })
      .then(function () {
        mark("offer");
        send(pid, "offer", { sdp: pc.localDescription.sdp, restart: !!restartIce });
      })
      .catch(function (err) { console.warn("offer failed", err); });
  }

  function restart(pid) {
    var peer = peers.get(pid);
    if (!peer || ended) return;
    clearTimeout(peer.restartTimer); peer.restartTimer = null;
    // The side that offered first restarts ICE; the other asks it to by re-joining if needed.
    if (peer.offerer) offer(pid, true);
  }

  function onSignal(m) {
    var pid = m.from;
    var peer = peers.get(pid);
    if (m.kind === "offer") {
      if (!peer || (!m.restart && peer.pc.signalingState !== "stable") ||
          (!m.restart && peer.pc.iceConnectionState !== "new")) {
        peer = newPeer({ pid: pid, name: peer ? peer.name : "", role: peer ? peer.role : "" },
                       false);
      }
      var pc = peer.pc;
      pc.setRemoteDescription({ type: "offer", sdp: m.sdp })
        .then(function () { return pc.createAnswer(); })
        .then(function (a) { return pc.setLocalDescription(a); })
        .then(function () { send(pid, "answer", { sdp: pc.localDescription.sdp }); })
        .catch(function (err) { console.warn("answer failed", err); });
    } else if (m.kind === "answer" && peer) {
      mark("answer");
      peer.pc.setRemoteDescription({ type: "answer", sdp: m.sdp })
        .catch(function (err) { console.warn("remote answer failed", err); });
    } else if (m.kind === "candidate" && peer) {
      peer.pc.addIceCandidate(m.candidate).catch(function () {});
    }
  }

  function send(to, kind, extra) {
    var msg = { to: to, kind: kind };
    for (var k in extra) msg[k] = extra[k];
    socket.emit("signal", msg);
  }

  function dropPeer(pid) {
    var peer = peers.get(pid);
    if (!peer) return;
    clearTimeout(peer.restartTimer); clearTimeout(peer.goneTimer);
    peer.pc.close();
    if (peer.video) {
      if (peer.video.classList.contains("other")) peer.video.remove();
      else { peer.video.srcObject = null; delete peer.video.dataset.pid; }
    }
    peers.delete(pid);
  }

  // -- signalling -----------------------------------------------------------------------------

  function join() {
    wantJoin = true;
    say("connecting");
    if (socket && socket.connected) socket.emit("join", { token: token });
    else connect();
  }

  function connect() {
    if (socket) return;
    // WebSocket only, as in live.js: one connection stays on one server process.
    socket = io("/video", { transports: ["websocket"], reconnectionDelayMax: 3000 });
    api.socket = socket;
    // After a dropped socket or a network change the page joins again with the same link.
    socket.on("connect", function () {
      mark("connected");
      if (wantJoin) socket.emit("join", { token: token });
    });
    socket.on("waiting", function () {
      mark("waiting"); say("waiting");
      // Ask again now and then while waiting. A word between server processes ("admitted",
      // or our knock) is not kept for a process that is not listening yet, so a person let
      // in whose word was lost is joined by the answer to this (a CI run waited for ever).
      askAgain = askAgain || setInterval(function () {
        if (socket.connected && !joined && !ended) socket.emit("join", { token: token });
      }, WAIT_ASK_MS);
    });
    socket.on("admitted", function () { mark("admitted"); socket.emit("join", { token: token }); });
    socket.on("joined", function (d) {
      clearInterval(askAgain);
      mark("joined"); me = d.me; rtc = d.rtc || rtc; joined = true;
      getMedia().then(function () {
        showCall();
        say(d.peers.length ? "in-call" : "alone");
        d.peers.forEach(function (p) {
          var peer = peers.get(p.pid);
          var alive = peer && ["connected", "completed"].indexOf(peer.pc.iceConnectionState) >= 0;
          if (alive) { clearTimeout(peer.goneTimer); offer(p.pid, true); return; }
          newPeer(p, true); offer(p.pid, false);
        });
        (d.waiting || []).forEach(knock);
        socket.emit("media", { audio: state.audio, video: state.video && !state.audioOnly });
      });
    });
    socket.on("peer-joined", function (p) {
      var peer = peers.get(p.pid);
      if (peer) { clearTimeout(peer.goneTimer); peer.name = p.name; }
      forgetKnock(p.pid);
      say("in-call");
    });
    socket.on("peer-left", function (d) {
      var peer = peers.get(d.pid);
      if (!peer) return;
      say("peer-left", peer.name);
      // They may be back in a moment (new network, reloaded page): keep the line for a while.
      peer.goneTimer = setTimeout(function () { dropPeer(d.pid); }, 30000);
    });
    socket.on("signal", onSignal);
    socket.on("knock", knock);
    socket.on("media", function (d) {
      var peer = peers.get(d.pid);
      if (peer && peer.video) peer.video.classList.toggle("camera-off", !d.video);
    });
    socket.on("ended", finish);
    socket.on("replaced", function () { ended = true; say("other-window"); socket.disconnect(); });
    socket.on("phone-ringing", function () { say("phone-ringing"); });
    socket.on("phone-failed", function () { say("phone-failed"); });
    socket.on("error", function (e) {
      console.warn("signalling error", e);
      if (e && e.code === "refused") {
        if (e.reason === "ended") finish(); else if (!joined) say("refused");
      }
    });
    socket.on("disconnect", function () { if (!ended) say("lost"); });
    window.addEventListener("online", function () {
      peers.forEach(function (_p, pid) { restart(pid); });
    });
    if (navigator.connection && navigator.connection.addEventListener) {
      navigator.connection.addEventListener("change", function () {
        peers.forEach(function (_p, pid) { restart(pid); });
      });
    }
  }

  function finish() {
    if (ended) return;
    ended = true;
    clearInterval(askAgain);
    peers.forEach(function (_p, pid) { dropPeer(pid); });
    if (local) local.getTracks().forEach(function (t) { t.stop(); });
    if (socket) socket.disconnect();
    say("ended");
    var stage = $(".stage"); if (stage) stage.hidden = true;
    var controls = $(".controls"); if (controls) controls.hidden = true;
    var q = $(".quality"); if (q) q.hidden = true;
    root.classList.add("ended");
  }

  // -- waiting room (worker) --------------------------------------------------------------------

  function knock(p) {
    var list = $(".waiting-room");
    if (!list || list.querySelector('[data-pid="' + p.pid + '"]')) return;
    var li = document.createElement("li");
    li.dataset.pid = String(p.pid);
    var label = document.createElement("span");
    label.textContent = text("knock", p.name);
    var button = document.createElement("button");
    button.type = "button"; button.className = "primary admit";
    button.textContent = text("admit");
    button.addEventListener("click", function () {
      socket.emit("admit", { pid: p.pid });
      li.remove();
      // Ready for their offer before it comes: the connection and our tracks are set up while
      // the other side joins, which takes a noticeable part of the time to the first picture.
      if (!peers.has(p.pid)) newPeer(p, false);
    });
    li.appendChild(label); li.appendChild(button);
    list.appendChild(li);
  }

  function forgetKnock(pid) {
    var list = $(".waiting-room");
    var li = list && list.querySelector('[data-pid="' + pid + '"]');
    if (li) li.remove();
  }

  // -- controls -------------------------------------------------------------------------------

  function showCall() {
    var before = $(".before"); if (before) before.hidden = true;
    var stage = $(".stage"); if (stage) stage.hidden = false;
    var controls = $(".controls"); if (controls) controls.hidden = false;
  }

  function press(button, on) { if (button) button.setAttribute("aria-pressed", on ? "true" : "false"); }

  function bind(sel, fn) { var b = $(sel); if (b) b.addEventListener("click", fn); }

  bind(".toggle-mic", function () {
    state.audio = !state.audio; setTrackEnabled("audio", state.audio);
    press($(".toggle-mic"), state.audio);
    if (socket) socket.emit("media", { audio: state.audio, video: state.video && !state.audioOnly });
  });
  bind(".toggle-cam", function () {
    state.video = !state.video; setTrackEnabled("video", state.video && !state.audioOnly);
    press($(".toggle-cam"), state.video);
    if (socket) socket.emit("media", { audio: state.audio, video: state.video && !state.audioOnly });
  });
  bind(".audio-only", function () {
    // Audio only: stop sending our picture and stop showing theirs (saves a weak connection).
    state.audioOnly = !state.audioOnly;
    setTrackEnabled("video", state.video && !state.audioOnly);
    press($(".audio-only"), state.audioOnly);
    root.classList.toggle("audio-only", state.audioOnly);
    peers.forEach(function (peer) {
      peer.pc.getTransceivers().forEach(function (t) {
        if (t.receiver.track && t.receiver.track.kind === "video") t.receiver.track.enabled = !state.audioOnly;
      });
    });
    if (socket) socket.emit("media", { audio: state.audio, video: state.video && !state.audioOnly });
  });
  bind(".hangup", function () {
    if (socket) { socket.emit("leave"); socket.disconnect(); }
    ended = true;
    peers.forEach(function (_p, pid) { dropPeer(pid); });
    if (local) local.getTracks().forEach(function (t) { t.stop(); });
    say("hung-up");
    $(".stage").hidden = true; $(".controls").hidden = true;
  });
  bind(".end-call", function () {
    if (socket) socket.emit("end");
    var form = document.querySelector(".end-form");
    setTimeout(function () { if (form) form.submit(); }, 300);
  });
  bind(".answer", function () {
    api.answeredAt = performance.now();
    // Ask for the camera while the socket connects: the two waits overlap.
    getMedia();
    join();
  });
  if (root.dataset.autoJoin) { getMedia().then(join); }
  // Open the line as the page loads, so that Svara only has to say who is answering.
  else if (!ended) { connect(); }
})();
