/* Loaded right after jQuery on every Data Docs page. A stand-in for bootstrap-table, enough for GX's Data Docs index: it draws the table GX describes
 * ({columns, data, sortName, sortOrder}) as plain HTML, each row linking to its page, sorted on
 * a header click. GX writes the cell HTML itself; method calls ('resetSearch', ...) do nothing. */
(function ($) {
  "use strict";
  function draw($table, opts) {
    var cols = opts.columns || [], rows = (opts.data || []).slice();
    var key = opts.sortName, desc = opts.sortOrder === "desc";
    if (key) {
      rows.sort(function (a, b) {
        var x = a["_" + key + "_sort"] !== undefined ? a["_" + key + "_sort"] : a[key];
        var y = b["_" + key + "_sort"] !== undefined ? b["_" + key + "_sort"] : b[key];
        x = x === undefined || x === null ? "" : x; y = y === undefined || y === null ? "" : y;
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
    }
    var head = $("<tr>");
    cols.forEach(function (c) {
      head.append($("<th>").text(c.title || c.field).css("cursor", "pointer").on("click", function () {
        draw($table, $.extend({}, opts, {sortName: c.field, sortOrder: opts.sortName === c.field && !desc ? "desc" : "asc"}));
      }));
    });
    var body = $("<tbody>");
    rows.forEach(function (r) {
      var tr = $("<tr>");
      cols.forEach(function (c, i) {
        var td = $("<td>").html(r[c.field] === undefined || r[c.field] === null ? "" : String(r[c.field]));
        if (i === 0 && r._table_row_link_path) {
          td = $("<td>").append($("<a>").attr("href", r._table_row_link_path).html(td.html() || "open"));
        }
        tr.append(td);
      });
      body.append(tr);
    });
    $table.empty().append($("<thead>").append(head)).append(body).addClass("table table-sm table-hover");
  }
  $.fn.bootstrapTable = function (opts) {
    if (typeof opts === "string") { return this; }
    return this.each(function () { draw($(this), opts || {}); });
  };
  $.fn.datepicker = function () { return this; };
  // Bootstrap 5 attaches its jQuery plugins only after DOMContentLoaded; GX's inline scripts call .modal()
  // (its walkthrough pop-up) earlier. The pop-up is an advertisement: doing nothing is the right offline reading.
  if (!$.fn.modal) { $.fn.modal = function () { return this; }; }
})(window.jQuery);
