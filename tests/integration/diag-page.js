/*
 * diag-page.js — evaluated by test_browser.sh inside sysbind's diagnostic page, in headless
 * Chromium, through the DevTools protocol (cdp.sh).  It reports what the browser laid out
 * and painted, not what the server sent: which elements are visible and where, what text
 * is rendered, what a click at each stage would hit, and, from a screenshot of the page,
 * which colours were actually painted on each stage box and along the mismatch bracket.
 *
 * The legend under the picture and the "How to fix" line are checked the same way: laid
 * out where they should be, their text rendered, each legend swatch painted in the colour
 * of the marker it explains.
 *
 * sbLayout() (after the page has loaded, its fonts too, and two frames were drawn) and
 * sbPaint(pngDataUrl) each return lines "key=value"; values are printable ASCII, any other
 * character written as &#N;.  sbLayout keeps the geometry sbPaint needs in window.sbGeo.
 */
(function () {
	'use strict';
	var RED = [204, 51, 51];     /* #c33: bad stages, the mismatch bracket */
	var GREEN = [85, 170, 119];  /* #5a7: the other stages */
	/* the legend's swatches: each pixel is named by the nearest of these */
	var PALETTE = { green: [51, 170, 51], yellow: [245, 197, 66], red: [204, 51, 51],
	    grey: [238, 238, 238], white: [255, 255, 255], dash: [170, 170, 170],
	    text: [34, 34, 34], pink: [251, 233, 233] };

	function clean(v) {
		return String(v).replace(/[^\x20-\x7e]|["\\]/g, function (c) {
			return '&#' + c.codePointAt(0) + ';';
		});
	}
	function Out() { this.lines = []; }
	Out.prototype.put = function (k, v) { this.lines.push(k + '=' + clean(v)); };
	Out.prototype.text = function () { return this.lines.join('\n'); };

	/* visible: rendered, not display:none, visibility:hidden, opacity 0 or skipped content */
	function visible(el) {
		var r = el.getBoundingClientRect();
		return el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true,
		    opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true }) &&
		    r.width > 0 && r.height > 0;
	}
	function box(el) {
		var r = el.getBoundingClientRect();
		return { x: r.left, y: r.top, w: r.width, h: r.height };
	}
	function fmt(b) { return [b.x, b.y, b.w, b.h].map(Math.round).join(','); }
	/* the rendered text of an SVG text element: visible, with a size and a paint */
	function painted_text(t) {
		var cs = getComputedStyle(t);
		return visible(t) && parseFloat(cs.fontSize) > 0 && cs.fill !== 'none' &&
		    parseFloat(cs.fillOpacity) > 0;
	}
	function texts(root, skip) {
		return Array.prototype.filter.call(root.querySelectorAll('text'), function (t) {
			return !(skip && t.closest(skip)) && painted_text(t);
		}).map(function (t) { return t.textContent.trim(); }).join(' / ');
	}

	window.sbLayout = async function () {
		var o = new Out(), svg, stages, geo = { stages: [], bracket: null, svg: null };

		if (document.readyState !== 'complete')
			await new Promise(function (r) { addEventListener('load', r, { once: true }); });
		await document.fonts.ready;
		await new Promise(function (r) {
			requestAnimationFrame(function () { requestAnimationFrame(r); });
		});
		o.put('viewport', innerWidth + 'x' + innerHeight);
		var h1 = document.querySelector('h1');
		o.put('h1', h1 && visible(h1) ? h1.innerText : '');
		/* the fix line, and the client-certificate stage's */
		['fix', 'cc-fix'].forEach(function (id) {
			var el = document.getElementById(id);
			o.put(id + '.present', el !== null);
			if (el === null)
				return;
			o.put(id + '.visible', visible(el));
			o.put(id + '.box', fmt(box(el)));
			o.put(id + '.text', el.innerText.replace(/\s+/g, ' ').trim());
			geo[id] = box(el);
		});
		/* the legend: its items in order, each one's text and its swatch */
		var lg = document.getElementById('legend');
		o.put('legend.visible', lg !== null && visible(lg));
		geo.legend = [];
		if (lg !== null) {
			var items = Array.prototype.slice.call(lg.querySelectorAll('li'));
			o.put('legend.box', fmt(box(lg)));
			o.put('legend.items', items.filter(visible).map(function (li) {
				return li.dataset.legend;
			}).join(' '));
			items.forEach(function (li) {
				var k = 'legend.' + li.dataset.legend, sw = li.querySelector('svg.sw');
				o.put(k + '.text', li.innerText.replace(/\s+/g, ' ').trim());
				if (sw !== null) {
					o.put(k + '.swatch', visible(sw) ? fmt(box(sw)) : 'hidden');
					geo.legend.push({ key: k, box: box(sw) });
				}
			});
		}
		svg = document.getElementById('decision-path');
		o.put('svg.visible', svg !== null && visible(svg));
		if (svg === null)
			return o.text();
		geo.svg = box(svg);
		o.put('svg.box', fmt(geo.svg));
		o.put('svg.class', svg.getAttribute('class'));
		stages = Array.prototype.slice.call(svg.querySelectorAll('g.stage'));
		o.put('stages', stages.filter(visible).map(function (g) { return g.id; }).join(' '));
		stages.forEach(function (g) {
			var k = 'stage.' + g.id.replace(/^stage-/, ''), rect = g.querySelector('rect.box');
			var b = box(rect), hit, pills;

			o.put(k + '.visible', visible(g) && visible(rect));
			o.put(k + '.box', fmt(b));
			o.put(k + '.text', texts(g, '.know'));
			pills = Array.prototype.filter.call(g.querySelectorAll('g.know'), visible);
			o.put(k + '.pills', pills.map(function (p) {
				return p.dataset.know + ':' + p.dataset.state;
			}).join(' '));
			/* what a click in the middle of the box reaches: nothing drawn over it */
			hit = document.elementFromPoint(b.x + b.w / 2, b.y + b.h / 2);
			o.put(k + '.hit', hit && hit.closest('g.stage') ? hit.closest('g.stage').id : 'none');
			geo.stages.push({ key: k, id: g.id, box: b, bad: g.classList.contains('bad') });
		});
		var mm = document.getElementById('mismatch');
		o.put('mismatch.present', mm !== null);
		if (mm !== null) {
			var br = mm.querySelector('path.br'), dot = mm.querySelector('circle');
			o.put('mismatch.visible', visible(mm) && visible(br));
			o.put('mismatch.text', texts(mm));
			/* the bracket's vertical bar, in screen pixels, from its geometry */
			var bb = br.getBBox(), m = br.getScreenCTM(), p = svg.createSVGPoint();
			var pt = function (x, y) { p.x = x; p.y = y; return p.matrixTransform(m); };
			var top = pt(bb.x + bb.width, bb.y), bottom = pt(bb.x + bb.width, bb.y + bb.height);
			var left = pt(bb.x, bb.y);
			var db = box(dot);
			geo.bracket = { x: top.x, y0: top.y, y1: bottom.y,
			    cy: db.y + db.h / 2, r: db.h / 2 };
			/* which stage boxes the bracket's two arms leave from: their right edge and
			 * their middle */
			var ends = [top.y, bottom.y].map(function (y) {
				var s = geo.stages.filter(function (st) {
					return Math.abs(st.box.x + st.box.w - left.x) <= 3 &&
					    Math.abs(st.box.y + st.box.h / 2 - y) <= 3;
				});
				return s.length === 1 ? s[0].id : 'none';
			});
			o.put('mismatch.joins', ends.join(' to '));
		}
		window.sbGeo = geo;
		return o.text();
	};

	window.sbPaint = async function (url) {
		var o = new Out(), geo = window.sbGeo, img = new Image(), c, g, w, h, px;

		img.src = url;
		await img.decode();
		w = img.naturalWidth; h = img.naturalHeight;
		c = document.createElement('canvas'); c.width = w; c.height = h;
		g = c.getContext('2d', { willReadFrequently: true });
		g.drawImage(img, 0, 0);
		px = g.getImageData(0, 0, w, h).data;
		o.put('shot.size', w + 'x' + h);

		function near(x, y, rgb) {
			x = Math.round(x); y = Math.round(y);
			if (x < 0 || y < 0 || x >= w || y >= h)
				return false;
			var i = (y * w + x) * 4;
			return Math.abs(px[i] - rgb[0]) <= 40 && Math.abs(px[i + 1] - rgb[1]) <= 40 &&
			    Math.abs(px[i + 2] - rgb[2]) <= 40;
		}
		function dark(x, y) {
			var i = (y * w + x) * 4;
			return Math.max(px[i], px[i + 1], px[i + 2]) < 110;
		}
		/* percent of points along a box's outline with RGB painted within 3 px across */
		function outline(b, rgb) {
			var n = 0, hit = 0, t, d, found;
			var probe = function (x, y, dx, dy) {
				for (found = false, d = -3; d <= 3 && !found; d++)
					found = near(x + d * dx, y + d * dy, rgb);
				n++; if (found) hit++;
			};
			for (t = b.x + 10; t <= b.x + b.w - 10; t += 3) {
				probe(t, b.y, 0, 1); probe(t, b.y + b.h, 0, 1);
			}
			for (t = b.y + 10; t <= b.y + b.h - 10; t += 3) {
				probe(b.x, t, 1, 0); probe(b.x + b.w, t, 1, 0);
			}
			return n ? Math.round(100 * hit / n) : 0;
		}
		if (!geo || !geo.svg)
			return o.text();
		/* each legend swatch: the share of its pixels nearest each colour, the two most
		 * painted first ("green 61% white 30%") */
		(geo.legend || []).forEach(function (sw) {
			var b = sw.box, n = 0, count = {}, x, y, k, best, d, i, names;
			for (y = Math.ceil(b.y); y < b.y + b.h; y++)
				for (x = Math.ceil(b.x); x < b.x + b.w; x++) {
					if (x >= w || y >= h)
						continue;
					i = (y * w + x) * 4; best = null;
					for (k in PALETTE) {
						d = Math.abs(px[i] - PALETTE[k][0]) + Math.abs(px[i + 1] - PALETTE[k][1]) +
						    Math.abs(px[i + 2] - PALETTE[k][2]);
						if (best === null || d < best.d)
							best = { k: k, d: d };
					}
					count[best.k] = (count[best.k] || 0) + 1; n++;
				}
			names = Object.keys(count).sort(function (a, c) { return count[c] - count[a]; });
			o.put(sw.key + '.paint', names.slice(0, 2).map(function (k) {
				return k + ' ' + Math.round(100 * count[k] / n) + '%';
			}).join(' '));
		});
		/* text ink in the fix line */
		['fix', 'cc-fix'].forEach(function (id) {
			var b = geo[id], x, y, ink = 0;
			if (!b)
				return;
			for (y = Math.ceil(b.y); y < b.y + b.h && y < h; y++)
				for (x = Math.ceil(b.x); x < b.x + b.w && x < w; x++)
					if (dark(x, y)) ink++;
			o.put(id + '.ink', ink);
		});
		geo.stages.forEach(function (st) {
			var b = st.box, x, y, ink = 0;
			o.put(st.key + '.outline', 'red ' + outline(b, RED) + '% green ' + outline(b, GREEN) + '%');
			for (y = Math.ceil(b.y + 6); y < b.y + b.h - 6; y++)
				for (x = Math.ceil(b.x + 6); x < b.x + b.w - 6; x++)
					if (x < w && y < h && dark(x, y)) ink++;
			o.put(st.key + '.ink', ink);
		});
		/* red anywhere in the picture */
		var red = 0, x, y, s = geo.svg;
		for (y = Math.max(0, Math.floor(s.y)); y < Math.min(h, s.y + s.h); y++)
			for (x = Math.max(0, Math.floor(s.x)); x < Math.min(w, s.x + s.w); x++)
				if (near(x, y, RED)) red++;
		o.put('svg.red_pixels', red);
		/* the bracket's bar: each pixel row between its arms, except across the circle,
		 * must have red within 3 px of where the geometry puts it */
		if (geo.bracket) {
			var bk = geo.bracket, rows = 0, hits = 0, d;
			for (y = Math.ceil(bk.y0 + 2); y <= bk.y1 - 2; y++) {
				if (Math.abs(y - bk.cy) <= bk.r + 2)
					continue;
				rows++;
				for (d = -3; d <= 3; d++)
					if (near(bk.x + d, y, RED)) { hits++; break; }
			}
			o.put('mismatch.bar_painted', (rows ? Math.round(100 * hits / rows) : 0) + '% of ' + rows + ' rows');
		}
		return o.text();
	};
	return 'loaded';
})();
