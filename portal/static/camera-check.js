/* Testa kamera och ljud: send camera and microphone to the server's echo peer and show what
   comes back, then give one easy-read answer. Works with no camera (audio only). */
(function () {
  "use strict";
  var root = document.querySelector("[data-camera-check]");
  if (!root) return;
  var video = root.querySelector("video.echo");
  var answerEl = root.querySelector(".answer-text");
  var start = root.querySelector(".start-check");
  var api = { answer: null };
  window.cameraCheck = api;

  function words(key) {
    var li = root.querySelector('.answers [data-answer="' + key + '"]');
    return li ? li.textContent : key;
  }

  function show(key, more) {
    answerEl.textContent = words(key) + (more ? " " + words(more) : "");
    answerEl.dataset.answer = key;
    if (key !== "wait") api.answer = key;
  }

  function media() {
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) return Promise.resolve({ stream: null, camera: false });
    return md.getUserMedia({ audio: true, video: { width: 640, height: 480 } })
      .then(function (s) { return { stream: s, camera: true }; })
      .catch(function () {
        return md.getUserMedia({ audio: true })
          .then(function (s) { return { stream: s, camera: false }; })
          .catch(function () { return { stream: null, camera: false }; });
      });
  }

  function gathered(pc) {
    // The echo peer answers once, without trickle: send the offer with all candidates.
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") return resolve();
      var done = function () { if (pc.iceGatheringState === "complete") resolve(); };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 3000);
    });
  }

  function framesAdvance(el) {
    return new Promise(function (resolve) {
      var first = null;
      var t0 = performance.now();
      (function tick() {
        var n = el.getVideoPlaybackQuality ? el.getVideoPlaybackQuality().totalVideoFrames : 0;
        if (el.videoWidth > 0 && first !== null && n > first + 3) return resolve(true);
        if (el.videoWidth > 0 && first === null) first = n;
        if (performance.now() - t0 > 12000) return resolve(false);
        setTimeout(tick, 200);
      })();
    });
  }

  function run() {
    start.disabled = true;
    show("wait");
    var pc, camera, checkId;
    media().then(function (m) {
      camera = m.camera;
      if (!m.stream) { show("nothing"); throw new Error("no media"); }
      pc = new RTCPeerConnection();
      api.pc = pc;
      m.stream.getTracks().forEach(function (t) { pc.addTrack(t, m.stream); });
      pc.ontrack = function (e) {
        if (e.track.kind === "video") { video.hidden = false; video.srcObject = e.streams[0]; }
        else if (!video.srcObject) { video.srcObject = e.streams[0]; }
      };
      return pc.createOffer();
    }).then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { return gathered(pc); })
      .then(function () {
        return fetch(root.dataset.offerUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
          body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer",
                                 token: root.dataset.token }),
          credentials: "same-origin"
        });
      })
      .then(function (r) { if (!r.ok) throw new Error("offer refused " + r.status); return r.json(); })
      .then(function (a) { checkId = a.id; return pc.setRemoteDescription(a); })
      .then(function () { return camera ? framesAdvance(video) : null; })
      .then(function () { return poll(checkId, 0, camera); })
      .then(function (result) {
        api.result = result;
        if (camera && result.seen && result.heard) show("ok");
        else if (camera && result.seen) show("no-audio");
        else if (result.heard) show("no-video", "audio-only");
        else show("nothing");
        if (!camera && result.heard) root.classList.add("audio-only");
      })
      .catch(function (err) {
        console.warn("camera check failed", err);
        if (!api.answer) show("nothing");
      })
      .then(function () { start.disabled = false; });
  }

  function poll(id, tries, camera) {
    return fetch(root.dataset.offerUrl.replace(/svar$/, "resultat/" + id), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if ((res.seen || !camera) && res.heard || tries >= 20) return res;
        return new Promise(function (r) { setTimeout(r, 500); })
          .then(function () { return poll(id, tries + 1, camera); });
      });
  }

  start.addEventListener("click", run);
})();
