// VEU Attest console: lays out the console server's JSON (verifier/console/views.h). Every
// value from the server goes into the page as text (textContent), never as markup. Each page's
// <main> carries data-state="loading|ready|error" so tests and people know where it stands.
'use strict';

const VERDICT_SIGNS = {ACCEPT: '✓', WARN: '!', REJECT: '✗', STALE: '○', NONE: '–', UNSPECIFIED: '?'};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) {
    node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

// A verdict as a sign, a word and a colour: never the colour alone.
function verdict(v) {
  const name = VERDICT_SIGNS[v] ? v : 'UNSPECIFIED';
  return el('span', {class: 'verdict v-' + name, 'data-verdict': name},
            el('span', {'aria-hidden': 'true'}, VERDICT_SIGNS[name] + ' '), name);
}

function siteLink(name) {
  return el('a', {href: '/site?name=' + encodeURIComponent(name)}, name);
}

function table(headers, rows, attrs) {
  const head = el('tr', {}, ...headers.map(h => el('th', {scope: 'col'}, h)));
  return el('div', {class: 'scroll'},
            el('table', attrs || {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function setStatus(text) { document.getElementById('status').textContent = text; }
function content() { return document.getElementById('content'); }
function ready() { document.getElementById('main').dataset.state = 'ready'; }
function failed(error) {
  document.getElementById('main').dataset.state = 'error';
  setStatus('Error: ' + error.message);
}

async function api(path, options) {
  const res = await fetch(path, options);
  let body;
  try { body = await res.json(); } catch (e) { throw new Error(path + ': HTTP ' + res.status); }
  if (!res.ok) throw new Error(body.error || ('HTTP ' + res.status));
  return body;
}

function utcNow() {
  return new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function plural(n, word) { return `${n} ${word}${n === 1 ? '' : 's'}`; }

function param(name) { return new URLSearchParams(location.search).get(name) || ''; }

// ---- Fleet -------------------------------------------------------------------------------
async function fleetPage() {
  const f = await api('/api/fleet');
  setStatus(`${plural(f.sites, 'site')} and ${plural(f.nodes, 'node')} in your scope, as of ${f.generated_at}.`);
  const counts = el('ul', {class: 'counts', 'aria-label': 'Sites by verdict'},
      ...f.counts.map(c => el('li', {'data-count': c.verdict}, verdict(c.verdict),
                              el('span', {class: 'n'}, String(c.sites)), c.sites === 1 ? ' site' : ' sites')));
  const stale = el('p', {id: 'stale'}, `Stale: ${plural(f.stale_sites, 'site')} with ${plural(f.stale_nodes, 'node')} that stopped reporting.`);
  const diversions = el('p', {class: 'note'},
      'Open diversion cases: the regulator API does not list them yet; a site with an open case shows ' +
      'REJECT with the check accelerator.site on its page.');
  content().append(counts, stale, diversions);
  for (const c of f.countries) {
    const rows = c.sites.map(s => el('tr', {'data-site': s.name},
        el('td', {}, siteLink(s.name)), el('td', {}, s.organisation), el('td', {}, verdict(s.verdict)),
        el('td', {class: 'num'}, String(s.nodes)), el('td', {class: 'num'}, String(s.stale_nodes)),
        el('td', {}, s.evaluated_at)));
    content().append(el('h2', {}, 'Country ' + c.country),
                     table(['Site', 'Organisation', 'Verdict', 'Nodes', 'Stale nodes', 'Evaluated'], rows,
                           {'data-country': c.country}));
  }
  if (f.countries.length === 0) content().append(el('p', {}, 'No site is within your certificate\'s scope.'));
  for (const u of f.unreadable) content().append(el('p', {class: 'error'}, `Site ${u.site}: ${u.error}`));
}

// ---- Site --------------------------------------------------------------------------------
async function sitePage() {
  const name = param('name');
  if (!name) throw new Error('no site named (open a site from the fleet page)');
  const s = await api('/api/site?name=' + encodeURIComponent(name));
  document.getElementById('title').textContent = 'Site ' + s.name;
  setStatus(`Evaluated ${s.evaluated_at}; page made ${s.generated_at}.`);
  const facts = el('dl', {class: 'facts'},
      el('dt', {}, 'Verdict'), el('dd', {id: 'site-verdict'}, verdict(s.verdict)),
      el('dt', {}, 'Organisation'), el('dd', {}, s.organisation),
      el('dt', {}, 'Country'), el('dd', {}, s.country),
      el('dt', {}, 'Address'), el('dd', {}, s.address || '–'),
      el('dt', {}, 'VEU type'), el('dd', {}, s.veu_type),
      el('dt', {}, 'Authorised'), el('dd', {},
          `${s.authorisation.authorised_accelerators || '–'} accelerators, ${s.authorisation.authorised_tpp || '–'} TPP`),
      el('dt', {}, 'Inventory'), el('dd', {id: 'inventory-total'},
          `${s.totals.accelerators} accelerators, ${s.totals.tpp} TPP: ${s.authorisation.assessment}`));
  content().append(facts);
  const rows = s.nodes.map(n => el('tr', {'data-agent': n.agent_id},
      el('td', {}, el('code', {title: n.agent_id}, n.agent_id.slice(0, 12))), el('td', {}, n.hostname || '–'),
      el('td', {}, verdict(n.verdict)), el('td', {}, n.appraised_at), el('td', {}, n.last_seen),
      el('td', {}, n.inventory.reported
          ? `${n.inventory.count} (${n.inventory.models.map(m => m.count + '× ' + m.model).join(', ') || 'none'}), ${n.inventory.tpp} TPP`
          : 'not reported')));
  content().append(el('h2', {}, 'Nodes'),
                   table(['Node', 'Host', 'Verdict', 'Appraised', 'Last seen', 'Accelerators'], rows));
  content().append(el('h2', {}, 'Checks that did not pass'));
  let any = false;
  for (const n of s.nodes) {
    if (n.findings.length === 0) continue;
    any = true;
    content().append(el('h3', {}, `Node ${n.agent_id.slice(0, 12)} (host ${n.hostname || 'unnamed'}), appraisal ${n.appraisal_id}`));
    content().append(el('ul', {class: 'findings'}, ...n.findings.map(f => el('li', {'data-check': f.check},
        el('span', {class: 'check-status s-' + f.status.replace(' ', '-')}, f.status), ' ',
        el('code', {}, f.check), f.reason ? ` (${f.reason})` : '', ': ', f.detail))));
  }
  if (!any) content().append(el('p', {}, 'Every check of every node\'s latest appraisal passed.'));
  const timeline = el('div', {id: 'timeline', 'data-state': 'loading'});
  const day = el('button', {type: 'button', id: 'timeline-day'}, 'Last day');
  const week = el('button', {type: 'button', id: 'timeline-week'}, 'Last week');
  day.addEventListener('click', () => drawTimeline(timeline, s.name, 24));
  week.addEventListener('click', () => drawTimeline(timeline, s.name, 168));
  content().append(el('h2', {}, 'Verdict timeline'), el('p', {class: 'row'}, day, week), timeline);
  drawTimeline(timeline, s.name, 24);
}

// The node rows of a verified report's period: one bar per node, a box per verdict span, each
// span also listed in words below.
async function drawTimeline(target, site, hours) {
  target.dataset.state = 'loading';
  target.replaceChildren(el('p', {class: 'status'}, 'Fetching and verifying the compliance report of the period…'));
  let t;
  try {
    t = await api(`/api/timeline?site=${encodeURIComponent(site)}&hours=${hours}`);
  } catch (e) {
    target.replaceChildren(el('p', {class: 'error'}, 'Timeline: ' + e.message));
    target.dataset.state = 'error';
    return;
  }
  const W = 760, left = 120, right = 10, rowH = 26, top = 8, axis = 22;
  const span = Math.max(1, t.to_ms - t.from_ms);
  const xOf = ms => left + (W - left - right) * (ms - t.from_ms) / span;
  const height = top + rowH * Math.max(1, t.nodes.length) + axis;
  const chart = svg('svg', {viewBox: `0 0 ${W} ${height}`, role: 'img', class: 'chart timeline',
                            'aria-label': `Verdict of each node from ${t.from} to ${t.to}`});
  const rows = [];
  t.nodes.forEach((n, i) => {
    const y = top + i * rowH;
    chart.append(svg('text', {x: 0, y: y + 17, class: 'label'}, (n.hostname || n.agent_id.slice(0, 12))));
    for (const seg of n.segments) {
      const x = xOf(seg.from_ms), w = Math.max(1, xOf(seg.to_ms) - x);
      chart.append(svg('rect', {x, y: y + 4, width: w, height: rowH - 8, class: 'seg v-' + seg.verdict},
                       svg('title', {}, `${seg.verdict} from ${seg.from}`)));
      if (w > 60) chart.append(svg('text', {x: x + 4, y: y + 17, class: 'label seg-label'}, seg.verdict));
      rows.push(el('tr', {}, el('td', {}, seg.from), el('td', {}, n.hostname || n.agent_id.slice(0, 12)), el('td', {}, verdict(seg.verdict))));
    }
  });
  const yAxis = top + rowH * Math.max(1, t.nodes.length) + 14;
  chart.append(svg('text', {x: left, y: yAxis, class: 'label small'}, t.from),
               svg('text', {x: W - right, y: yAxis, class: 'label small', 'text-anchor': 'end'}, t.to));
  target.replaceChildren(
      el('p', {class: 'note'}, `From compliance report ${t.report_id}, verified with the verifier's public key: ${plural(t.changes, 'verdict change')} in the last ${hours === 24 ? 'day' : 'week'}.`),
      chart, table(['From (UTC)', 'Node', 'Verdict'], rows, {id: 'timeline-spans'}));
  target.dataset.state = 'ready';
}

// ---- Organisation ------------------------------------------------------------------------
async function organisationPage() {
  let name = param('name');
  const fleet = await api('/api/fleet');
  const orgs = [...new Set(fleet.countries.flatMap(c => c.sites.map(s => s.organisation)))].sort();
  const select = el('select', {id: 'org', name: 'name'}, ...orgs.map(o => {
    const opt = el('option', {value: o}, o);
    if (o === name) opt.selected = true;
    return opt;
  }));
  content().append(el('form', {method: 'get', action: '/organisation', class: 'row'},
      el('label', {for: 'org'}, 'Organisation '), select, el('button', {type: 'submit'}, 'Show')));
  if (!name) name = orgs[0] || '';
  if (!name) { setStatus('No organisation within your scope.'); return; }
  const o = await api('/api/organisation?name=' + encodeURIComponent(name));
  document.getElementById('title').textContent = 'Organisation ' + o.organisation;
  setStatus(`${plural(o.sites, 'site')}, ${o.total_tpp} attested TPP in all, as of ${o.generated_at}.`);
  if (o.error) throw new Error(o.error);
  // A bar for the Tier 1 total against its minimum, then one per country, each its share of
  // the organisation's TPP; limits drawn as dashed lines and written out beside the bars.
  const W = 760, rowH = 30, left = 110, barW = 380, top = 24;
  const rowsData = [{label: 'Tier 1 total', share: o.tier1_share_permille, tier: 'TIER_1', total: true},
                    ...o.countries.map(c => ({label: c.country, share: c.share_permille, tier: c.tier}))];
  const height = top + rowH * rowsData.length + 24;
  const chart = svg('svg', {viewBox: `0 0 ${W} ${height}`, role: 'img',
                            'aria-label': 'Share of attested TPP: Tier 1 in total, then by country', class: 'chart'});
  const xOf = permille => left + barW * permille / 1000;
  if (o.limits) {
    const x75 = xOf(o.limits.min_tier1_share_permille), x7 = xOf(o.limits.max_single_other_share_permille);
    chart.append(svg('line', {x1: x75, x2: x75, y1: top - 4, y2: top + rowH, class: 'limit'}),
                 svg('text', {x: x75 - 4, y: 14, class: 'label small', 'text-anchor': 'end'},
                     `Tier 1 at least ${o.limits.min_tier1_share_permille / 10} %`),
                 svg('line', {x1: x7, x2: x7, y1: top + rowH - 4, y2: height - 18, class: 'limit'}),
                 svg('text', {x: x7 + 4, y: height - 4, class: 'label small'},
                     `any other country at most ${o.limits.max_single_other_share_permille / 10} %`));
  }
  rowsData.forEach((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, barW * r.share / 1000);
    const over = o.judged && o.limits && o.total_tpp > 0 &&
                 (r.total ? r.share < o.limits.min_tier1_share_permille
                          : r.tier !== 'TIER_1' && r.share > o.limits.max_single_other_share_permille);
    chart.append(svg('text', {x: 0, y: y + 19, class: 'label'}, r.label),
                 svg('rect', {x: left, y: y + 6, width: w, height: rowH - 12, class: over ? 'bar over' : (r.total ? 'bar total' : 'bar')}),
                 svg('text', {x: left + barW + 8, y: y + 19, class: 'label'},
                     `${(r.share / 10).toFixed(1)} %${r.total ? '' : ' (' + r.tier.replace('_', ' ') + ')'}${over ? ' – outside the limit' : ''}`));
  });
  content().append(el('h2', {}, 'Compute by country'), chart);
  const rows = o.countries.map(c => el('tr', {'data-country': c.country}, el('td', {}, c.country),
      el('td', {}, c.tier), el('td', {class: 'num'}, String(c.tpp)),
      el('td', {class: 'num'}, (c.share_permille / 10).toFixed(1) + ' %')));
  content().append(table(['Country', 'Tier', 'TPP', 'Share'], rows));
  if (o.judged && o.total_tpp === 0) {
    content().append(el('p', {class: 'note', id: 'judgement'}, 'No attested TPP yet (no node of the organisation has reported a verified inventory): nothing to judge against the limits.'));
  } else if (o.judged) {
    content().append(el('ul', {class: 'judgement', id: 'judgement'},
        el('li', {}, el('span', {class: o.tier1_share_ok ? 'ok' : 'bad'}, o.tier1_share_ok ? '✓ meets' : '✗ fails'),
           ` Tier 1 share ${(o.tier1_share_permille / 10).toFixed(1)} % against at least ${o.limits.min_tier1_share_permille / 10} %`),
        el('li', {}, el('span', {class: o.single_other_ok ? 'ok' : 'bad'}, o.single_other_ok ? '✓ meets' : '✗ fails'),
           (o.largest_other_country
               ? ` largest non-Tier-1 country ${o.largest_other_country} at ${(o.largest_other_share_permille / 10).toFixed(1)} % against at most ${o.limits.max_single_other_share_permille / 10} %`
               : ` no non-Tier-1 country holds attested TPP (at most ${o.limits.max_single_other_share_permille / 10} % each)`))),
        el('p', {}, 'Policy pack ' + o.policy));
    for (const f of o.findings) content().append(el('p', {class: 'error'}, f));
    if (o.untiered_countries.length) content().append(el('p', {class: 'note'}, 'Countries no tier list of the pack places: ' + o.untiered_countries.join(', ')));
  } else {
    content().append(el('p', {class: 'note'}, o.note));
  }
  if (o.sites_without_inventory.length) {
    content().append(el('p', {class: 'note'}, 'Sites without a verified inventory (not counted): ' + o.sites_without_inventory.join(', ')));
  }
}

// ---- Live --------------------------------------------------------------------------------
function livePage() {
  setStatus('Connecting…');
  const rows = el('tbody', {id: 'changes'});
  content().append(el('p', {id: 'watch', class: 'note'}, 'Watch stream: connecting.'),
      el('div', {class: 'scroll'}, el('table', {}, el('thead', {}, el('tr', {},
          ...['Time (UTC)', 'Site', 'Country', 'Node', 'Was', 'Now', 'Site verdict', 'Failed'].map(h => el('th', {scope: 'col'}, h)))),
          rows)));
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => { setStatus('Following verdict changes as the verifier commits them.'); ready(); });
  source.addEventListener('error', () => setStatus('Connection to the console lost; retrying…'));
  source.addEventListener('status', e => {
    const s = JSON.parse(e.data);
    document.getElementById('watch').textContent = 'Watch stream: ' + (s.connected ? 'connected' : 'not connected') + ' (' + s.reason + ').';
  });
  source.addEventListener('change', e => {
    const c = JSON.parse(e.data);
    const row = el('tr', {'data-site': c.site, 'data-verdict': c.verdict, 'data-at-ms': String(c.at_unix_ms),
                          'data-shown-ms': String(Date.now()), 'data-event-id': e.lastEventId},
        el('td', {}, c.at), el('td', {}, siteLink(c.site)), el('td', {}, c.country),
        el('td', {}, el('code', {title: c.agent_id}, c.agent_id.slice(0, 12))),
        el('td', {}, verdict(c.previous)), el('td', {}, verdict(c.verdict)), el('td', {}, verdict(c.site_verdict)),
        el('td', {}, c.failed.join(', ') || '–'));
    rows.insertBefore(row, rows.firstChild);
  });
}

// ---- Reports -----------------------------------------------------------------------------
function showVerification(target, r) {
  target.replaceChildren();
  target.dataset.holds = r.holds ? 'true' : 'false';
  const head = r.holds
      ? el('p', {class: 'ok big'}, '✓ OK: the report verifies with the verifier\'s public key')
      : el('p', {class: 'bad big'}, `✗ REJECTED: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}`);
  target.append(head, el('dl', {class: 'facts'},
      el('dt', {}, 'Report'), el('dd', {}, `${r.kind} report ${r.report_id}`),
      el('dt', {}, 'Subject'), el('dd', {}, r.subject),
      el('dt', {}, 'Period'), el('dd', {}, r.period + ' (UTC)'),
      el('dt', {}, r.kind === 'inventory' ? 'Total' : 'Verdict at end'), el('dd', {}, r.verdict),
      el('dt', {}, 'Items'), el('dd', {}, String(r.items)),
      el('dt', {}, 'Rule'), el('dd', {}, r.regulation || 'none stated')));
  if (r.findings.length) {
    target.append(el('ul', {class: 'findings', id: 'findings'}, ...r.findings.map(f => el('li', {}, f))));
  }
  if (r.download) {
    target.append(el('p', {}, el('a', {href: r.download, id: 'download', download: ''}, 'Download the signed file'),
                     ' exactly as signed, for ', el('code', {}, 'veuctl report verify'), '.'));
  }
}

async function reportsPage() {
  const fleet = await api('/api/fleet');
  const sites = fleet.countries.flatMap(c => c.sites.map(s => s.name)).sort();
  const wanted = param('site');
  const today = new Date().toISOString().slice(0, 10);
  const from = el('input', {type: 'date', id: 'from', name: 'from', value: param('from') || today, required: ''});
  const to = el('input', {type: 'date', id: 'to', name: 'to', value: param('to')});
  const site = el('select', {id: 'site', name: 'site'}, ...sites.map(s => {
    const o = el('option', {value: s}, s);
    if (s === wanted) o.selected = true;
    return o;
  }));
  const result = el('div', {id: 'result', class: 'result'});
  const form = el('form', {id: 'fetch-form', class: 'row'},
      el('label', {for: 'site'}, 'Site '), site, el('label', {for: 'from'}, ' from (UTC) '), from,
      el('label', {for: 'to'}, ' to (UTC, empty: now) '), to, el('button', {type: 'submit', id: 'fetch'}, 'Fetch and verify'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    result.replaceChildren(el('p', {}, 'Fetching…'));
    result.dataset.holds = '';
    const q = new URLSearchParams({site: site.value, from: from.value});
    if (to.value) q.set('to', to.value);
    try { showVerification(result, await api('/api/report?' + q)); } catch (err) {
      result.replaceChildren(el('p', {class: 'error'}, 'Error: ' + err.message));
      result.dataset.holds = 'error';
    }
  });
  const text = el('textarea', {id: 'report-text', rows: '6', 'aria-label': 'Signed report file (JSON)'});
  const file = el('input', {type: 'file', id: 'report-file', accept: '.json,application/json'});
  const checked = el('div', {id: 'checked', class: 'result'});
  const upload = el('form', {id: 'verify-form'},
      el('p', {}, el('label', {for: 'report-file'}, 'A signed report file you hold: '), file),
      el('p', {}, el('label', {for: 'report-text'}, 'or paste it:')), text,
      el('p', {}, el('button', {type: 'submit', id: 'verify'}, 'Verify')));
  upload.addEventListener('submit', async e => {
    e.preventDefault();
    const body = text.value || (file.files[0] ? await file.files[0].text() : '');
    checked.dataset.holds = '';
    try {
      showVerification(checked, await api('/api/verify', {method: 'POST', body, headers: {'Content-Type': 'application/json'}}));
    } catch (err) {
      checked.replaceChildren(el('p', {class: 'error'}, 'Error: ' + err.message));
      checked.dataset.holds = 'error';
    }
  });
  setStatus('Compliance reports are signed by the verifier; the console checks them with its public key.');
  content().append(el('h2', {}, 'Fetch a compliance report'), form, result,
                   el('h2', {}, 'Verify a report file'), upload, checked);
}

const PAGES = {fleet: fleetPage, site: sitePage, organisation: organisationPage, live: livePage, reports: reportsPage};

document.addEventListener('DOMContentLoaded', async () => {
  const page = document.body.dataset.page;
  const nav = document.querySelector(`[data-nav="${page}"]`);
  if (nav) nav.setAttribute('aria-current', 'page');
  const clock = document.getElementById('clock');
  clock.textContent = utcNow();
  setInterval(() => { clock.textContent = utcNow(); }, 1000);
  try {
    await PAGES[page]();
    if (page !== 'live') ready();
  } catch (e) {
    failed(e);
  }
});
