// Live log lines: an EventSource on the page's stream, appended to the <pre>.
// Without JavaScript the page still shows the last lines, and "Reload" shows more.
(function () {
  var script = document.currentScript
  var log = document.getElementById('log')
  if (!script || !log || !window.EventSource) return
  var source = new EventSource(script.getAttribute('data-stream'))
  source.onmessage = function (e) {
    var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4
    log.appendChild(document.createTextNode(e.data + '\n'))
    if (atEnd) log.scrollTop = log.scrollHeight
  }
})()
