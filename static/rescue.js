// The rescue status page: a ticking clock, and live states from /rescue/<token>/events.
(function () {
  var root = document.getElementById("rescue");
  if (!root) { return; }
  var start = Date.parse(root.getAttribute("data-received"));
  var target = Number(root.getAttribute("data-target"));
  var clock = document.getElementById("clock");
  function tick() {
    var s = Math.max(0, Math.floor((Date.now() - start) / 1000));
    var m = Math.floor(s / 60), r = s % 60;
    clock.textContent = m + ":" + (r < 10 ? "0" : "") + r;
    root.className = m >= target ? "card call late" : "card call";
  }
  tick();
  var timer = setInterval(tick, 1000);
  if (!window.EventSource) { return; }
  var events = new EventSource(root.getAttribute("data-events"));
  events.onmessage = function (e) {
    var d = JSON.parse(e.data);
    document.getElementById("state").textContent = d.state_label;
    d.steps.forEach(function (step) {
      var li = document.getElementById("step-" + step.state);
      if (li) { li.className = step.at ? "done" : ""; li.querySelector("time").textContent = step.at || ""; }
    });
    var tech = document.getElementById("tech");
    if (d.technician_line) { tech.textContent = d.technician_line; tech.hidden = false; }
    if (d.state === "closed") { events.close(); clearInterval(timer); }
  };
})();
