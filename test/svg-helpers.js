// Reading the report's pictures back without a dependency: a strict XML parser (well-formedness as an SVG
// viewer needs it) and a PNG decoder for screenshots (8-bit RGB or RGBA, not interlaced).
import zlib from 'node:zlib';

/** The document's root element as { name, attrs, children, text }; throws on anything not well-formed. */
export function parseXml(source) {
  let i = 0;
  const fail = (message) => {
    throw new Error(`not well-formed XML: ${message} at offset ${i}: ${JSON.stringify(source.slice(i, i + 40))}`);
  };
  const at = (re) => {
    re.lastIndex = i;
    const m = re.exec(source);
    if (m) i += m[0].length;
    return m;
  };
  const decode = (text) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) fail('a bare &');
    return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e) =>
      e[0] === '#'
        ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
        : { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e],
    );
  };
  at(/<\?xml[^?]*\?>/y);
  const document = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [document];
  while (i < source.length) {
    const top = stack.at(-1);
    if (at(/<!--[\s\S]*?-->/y)) continue;
    if (source.startsWith('</', i)) {
      const m = at(/<\/([A-Za-z_][\w:.-]*)\s*>/y);
      if (!m) fail('a malformed end tag');
      if (stack.length === 1 || top.name !== m[1]) fail(`</${m[1]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    if (source[i] === '<') {
      const m = at(/<([A-Za-z_][\w:.-]*)/y);
      if (!m) fail('a malformed start tag');
      const element = { name: m[1], attrs: {}, children: [], text: '' };
      if (stack.length === 1 && document.children.length > 0) fail('a second root element');
      top.children.push(element);
      for (;;) {
        const space = at(/\s*/y)[0];
        if (at(/\/>/y)) break;
        if (at(/>/y)) {
          stack.push(element);
          break;
        }
        if (!space) fail('no space before an attribute');
        const a = at(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y);
        if (!a) fail('a malformed attribute');
        if (a[1] in element.attrs) fail(`attribute ${a[1]} given twice`);
        element.attrs[a[1]] = decode(a[2] ?? a[3]);
      }
      continue;
    }
    const text = at(/[^<]+/y)[0];
    if (stack.length === 1) {
      if (text.trim()) fail('text outside the root element');
    } else {
      top.text += decode(text);
    }
  }
  if (stack.length !== 1) fail(`<${stack.at(-1).name}> is never closed`);
  if (document.children.length !== 1) fail('no root element');
  return document.children[0];
}

/** Every element below `root` (itself included) that `match` accepts, in document order. */
export function findAll(root, match) {
  const out = [];
  const walk = (el) => {
    if (match(el)) out.push(el);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}

export const hasClass = (name) => (el) => (el.attrs.class ?? '').split(/\s+/).includes(name);

/** All text below an element, tspans included. */
export function textOf(el) {
  return el.text + el.children.map(textOf).join('');
}

/** { width, height, channels, pixels } of a PNG file's bytes. */
export function decodePng(bytes) {
  if (bytes.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let header;
  const idat = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR')
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        depth: data[8],
        colorType: data[9],
        interlace: data[12],
      };
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const channels = { 2: 3, 6: 4 }[header.colorType];
  if (header.depth !== 8 || !channels || header.interlace !== 0)
    throw new Error(`unsupported PNG (depth ${header.depth}, color type ${header.colorType})`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = header.width * channels;
  const pixels = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  return { width: header.width, height: header.height, channels, pixels };
}

/** Pixels within `tolerance` (summed over R, G, B) of a #rrggbb colour. */
export function countColor(image, hex, tolerance = 30) {
  const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  let n = 0;
  for (let p = 0; p < image.pixels.length; p += image.channels) {
    if (
      Math.abs(image.pixels[p] - r) + Math.abs(image.pixels[p + 1] - g) + Math.abs(image.pixels[p + 2] - b) <=
      tolerance
    )
      n++;
  }
  return n;
}
