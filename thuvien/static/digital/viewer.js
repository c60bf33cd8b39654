/* Start Mirador on the object page: one window, no workspace chrome, search-inside at hand.
   The page gives its settings in <script id="mirador-config" type="application/json">. */
(function () {
  "use strict";
  var source = document.getElementById("mirador-config");
  if (!source || !window.Mirador) return;
  var config = JSON.parse(source.textContent);
  var WINDOW = "reader";
  // On a phone the side bar would cover the page: it starts closed there and opens from its button.
  var wide = window.matchMedia("(min-width: 56rem)").matches;
  var win = { id: WINDOW, manifestId: config.manifest, thumbnailNavigationPosition: wide ? "far-bottom" : "off" };
  if (config.canvas) win.canvasId = config.canvas;
  if (config.paged && wide) win.view = "book";
  if (config.query) win.sideBarPanel = "search";
  var viewer = Mirador.viewer({
    id: config.id,
    language: config.language,
    availableLanguages: { vi: "Tiếng Việt", en: "English" },
    selectedTheme: "light",
    windows: [win],
    window: {
      allowClose: false,
      allowMaximize: false,
      allowFullscreen: true,
      allowTopMenuButton: true,
      allowWindowSideBar: true,
      hideWindowTitle: true,
      sideBarOpenByDefault: wide || !!config.query,
      sideBarPanel: "info",
      defaultView: config.paged && wide ? "book" : "single",
      panels: { info: true, attribution: true, canvas: true, search: true, annotations: false, layers: false },
    },
    thumbnailNavigation: { defaultPosition: wide ? "far-bottom" : "off" },
    workspace: {
      type: "mosaic",
      allowNewWindows: false,
      isWorkspaceAddVisible: false,
      draggingEnabled: false,
      showZoomControls: true,
    },
    workspaceControlPanel: { enabled: false },
  });
  window.thuvienMirador = viewer;

  // A search hit on the catalogue's results opens here with its words (?q=): search inside at once.
  // Mirador's own defaultSearchQuery asks once with the words unencoded, then its search box asks again
  // encoded, and lists every hit twice; typing the words into the search box, as a reader would, asks once.
  if (!config.query) return;
  var tries = 0;
  var timer = window.setInterval(function () {
    var input = document.querySelector("#" + config.id + " form input[id^='search-']");
    if (!input && ++tries < 100) return;
    window.clearInterval(timer);
    if (!input || !input.form) return;
    var setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setValue.call(input, config.query);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    window.setTimeout(function () {
      input.form.requestSubmit();
    }, 0);
  }, 100);
})();
