// The SME form: fills its choices from /v1/taxonomy, asks /v1/recommendations,
// saves needs through /v1/needs, and shows every result with its reasons,
// what the engine understood and why, and its question when it cannot tell
// two kinds of service apart.
// Plain browser JavaScript, no build step.
'use strict';

const TEXT = {
  zh: {
    skip: '跳到需求表单',
    eyebrow: '温州市产业创新服务综合体',
    title: '找到适合您企业的创新服务',
    lede: '用一两句话描述您的需求，我们从各县（市、区）综合体的服务中为您挑选最合适的，并说明理由。',
    formTitle: '您的需求',
    descriptionLabel: '需求描述',
    descriptionPlaceholder: '例如：我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测',
    descriptionHint: '中文或英文均可；只填这一项也能得到推荐。',
    countyLabel: '所在县（市、区）',
    fieldLabel: '所属领域',
    sizeLabel: '企业规模',
    serviceTypesLabel: '需要的服务类型（可多选，可不选）',
    any: '不限',
    submit: '获取推荐',
    save: '保存我的需求',
    busy: '正在匹配…',
    savedTitle: '需求已保存',
    savedNote: '请保存这个链接：它是回到这条需求的唯一途径。',
    savedNoteMore: '打开它可以向综合体申请服务、查看答复并评价。链接只显示这一次，其中含有访问令牌，请勿转发。',
    copyLink: '复制链接',
    copied: '链接已复制。',
    copyFailed: '无法自动复制，请手动选中链接复制。',
    savedDetails: '需求编号和访问令牌',
    savedId: '需求编号',
    savedToken: '访问令牌',
    bundleTitle: '一站式组合：每类服务中最合适的一项',
    bundleHint: '您的需求涉及几类服务。保存需求后，可以在需求页面一次申请这几项服务。',
    complexLink: '综合体工作台（综合体登录）',
    resultsTitle: '推荐的服务',
    empty: '没有找到符合条件的服务，可以放宽筛选条件再试。',
    footer: '结果按综合得分排序；每项理由是该因素在 0–100% 之间的匹配程度。',
    understandingTitle: '我们对您需求的理解',
    understoodField: '领域',
    understoodServices: '服务类型',
    inferred: '根据描述推断',
    given: '您已选择',
    unknown: '未能判断',
    confidence: '把握',
    correctHint: '如果判断不对，请在上方表单中选择正确的领域和服务类型，再提交一次。',
    applyUnderstanding: '把这些判断填入表单',
    because: '因为您写了',
    listSeparator: '、',
    clarifyHint: '选一项，我们马上按它重新排序。',
    score: '匹配度',
    reasons: '推荐理由',
    institution: '服务机构',
    complex: '综合体',
    county: '地区',
    configVersion: '评分配置',
    sizes: {micro: '微型企业', small: '小型企业', medium: '中型企业'},
    components: {
      text: '描述中的关键词',
      semantic: '需求语义相近',
      field: '领域匹配',
      service: '服务类型匹配',
      region: '地理位置近',
      quality: '服务评价',
      capacity: '本月可接单',
      price: '价格适合企业规模',
      priority: '政策重点领域',
    },
    errors: {
      network: '无法连接服务器，请检查网络后重试。',
      generic: '出错了',
      descriptionRequired: '请先填写需求描述。',
    },
    switchTo: 'English',
    switchLabel: 'Switch to English',
    htmlLang: 'zh-CN',
    docTitle: '温州产业创新服务综合体 · 服务匹配',
  },
  en: {
    skip: 'Skip to the need form',
    eyebrow: "Wenzhou's Industrial Innovation Service Complexes",
    title: 'Find the innovation services that fit your business',
    lede: 'Describe what you need in a sentence or two. We pick the best-fitting services of the complexes across all counties and tell you why.',
    formTitle: 'Your need',
    descriptionLabel: 'Describe your need',
    descriptionPlaceholder: 'e.g. We make small circuit breakers in Yueqing and need CE testing to export to the EU',
    descriptionHint: 'Chinese or English; the description alone is enough for recommendations.',
    countyLabel: 'County / district',
    fieldLabel: 'Industry field',
    sizeLabel: 'Enterprise size',
    serviceTypesLabel: 'Service types you need (any number, or none)',
    any: 'Any',
    submit: 'Get recommendations',
    save: 'Save my need',
    busy: 'Matching…',
    savedTitle: 'Need saved',
    savedNote: 'Save this link: it is the only way back to your need.',
    savedNoteMore: 'Open it to request services from the complexes, follow their answers and rate them. It is shown only once and holds your access token: do not share it.',
    copyLink: 'Copy the link',
    copied: 'Link copied.',
    copyFailed: 'Could not copy; select the link and copy it by hand.',
    savedDetails: 'Need id and access token',
    savedId: 'Need id',
    savedToken: 'Access token',
    bundleTitle: 'One-stop bundle: the best service of each kind',
    bundleHint: 'Your need spans several kinds of service. Save the need to request all of them at once from its page.',
    complexLink: 'Complex workspace (sign-in for complexes)',
    resultsTitle: 'Recommended services',
    empty: 'No service matches these conditions; try loosening them.',
    footer: 'Results are ranked by overall score; each reason shows how well one factor matches, from 0 to 100%.',
    understandingTitle: 'What we understood',
    understoodField: 'Field',
    understoodServices: 'Service types',
    inferred: 'inferred from your description',
    given: 'chosen by you',
    unknown: 'not recognised',
    confidence: 'confidence',
    correctHint: 'If this is wrong, choose the right field and service types in the form above and submit again.',
    applyUnderstanding: 'Put these into the form',
    because: 'because you wrote ',
    listSeparator: ', ',
    clarifyHint: 'Pick one and we re-rank the services for it at once.',
    score: 'Match',
    reasons: 'Why this service',
    institution: 'Provider',
    complex: 'Complex',
    county: 'Location',
    configVersion: 'Scoring config',
    sizes: {micro: 'Micro', small: 'Small', medium: 'Medium'},
    components: {
      text: 'Keywords in your description',
      semantic: 'Similar meaning',
      field: 'Field match',
      service: 'Service type match',
      region: 'Nearby',
      quality: 'Rating',
      capacity: 'Capacity this month',
      price: 'Price fits your size',
      priority: 'Policy priority field',
    },
    errors: {
      network: 'Cannot reach the server; check the connection and try again.',
      generic: 'Something went wrong',
      descriptionRequired: 'Please describe your need first.',
    },
    switchTo: '中文',
    switchLabel: '切换到中文',
    htmlLang: 'en',
    docTitle: 'IISC Match · Wenzhou innovation services',
  },
};

// The form element that holds each request member, to point errors at it.
const FIELD_INPUTS = {
  description: 'description',
  county: 'county',
  field: 'field',
  service_types: 'service-types',
  size: 'size',
};

const state = {
  lang: 'zh',
  taxonomy: null,
  last: null,  // last recommendation answer and its need, re-rendered on language switch
  lastError: null,
};

const $ = (id) => document.getElementById(id);
const t = () => TEXT[state.lang];
const nameOf = (item) => (item && item.name ? item.name[state.lang] || item.name.zh : '');
// The lang attribute for text in the language the SME wrote in.
const langTag = (language) => (language === 'en' ? 'en' : 'zh-CN');

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function percent(value) {
  const v = Math.max(0, Math.min(1, Number(value) || 0));
  return Math.round(v * 100);
}

// ---- language ----

function applyLanguage() {
  const text = t();
  document.documentElement.lang = text.htmlLang;
  document.title = text.docTitle;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = text[node.dataset.i18n];
  }
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = text[node.dataset.i18nPlaceholder];
  }
  const toggle = $('lang-toggle');
  toggle.textContent = text.switchTo;
  toggle.setAttribute('aria-label', text.switchLabel);
  toggle.lang = state.lang === 'zh' ? 'en' : 'zh-CN';
  if (state.taxonomy) fillChoices();
  if (state.last) renderResults(state.last);
  if (state.lastError) showError(state.lastError);
}

function setLanguage(lang) {
  state.lang = lang;
  try { localStorage.setItem('iisc-lang', lang); } catch (_) { /* private mode */ }
  applyLanguage();
}

// ---- choices from the taxonomy ----

function fillSelect(select, options) {
  const keep = select.value;
  select.replaceChildren(el('option', {value: '', text: t().any}));
  for (const option of options) {
    if (option.group) {
      const group = el('optgroup', {label: option.group});
      for (const item of option.items) group.append(el('option', {value: item.id, text: nameOf(item)}));
      select.append(group);
    } else {
      select.append(el('option', {value: option.id, text: option.label}));
    }
  }
  select.value = keep;
}

function fillChoices() {
  const tax = state.taxonomy;
  fillSelect($('county'), tax.counties.map((c) => ({id: c.id, label: nameOf(c)})));
  fillSelect($('field'), tax.categories.map((cat) => ({
    group: nameOf(cat),
    items: tax.fields.filter((f) => f.category === cat.id),
  })));
  fillSelect($('size'), tax.enterprise_sizes.map((s) => ({id: s, label: t().sizes[s] || s})));

  const box = $('service-types');
  const checked = new Set(selectedServiceTypes());
  box.replaceChildren();
  for (const st of tax.service_types) {
    const id = `st-${st.id}`;
    const input = el('input', {type: 'checkbox', id, name: 'service_types', value: st.id});
    input.checked = checked.has(st.id);
    box.append(el('label', {class: 'check', for: id}, input, el('span', {text: nameOf(st)})));
  }
}

function selectedServiceTypes() {
  return [...document.querySelectorAll('#service-types input:checked')].map((i) => i.value);
}

// ---- requests ----

function needFromForm() {
  const need = {description: $('description').value.trim()};
  for (const key of ['county', 'field', 'size']) {
    if ($(key).value) need[key] = $(key).value;
  }
  const types = selectedServiceTypes();
  if (types.length) need.service_types = types;
  return need;
}

// Idempotency-Keys of needs being saved, by body: saving the same need again
// after a lost answer stores it once. Dropped once the server has answered.
const saveKeys = new Map();

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (plain http on a LAN name) randomUUID is absent.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function postJson(path, body, {idempotent = false} = {}) {
  const payload = JSON.stringify(body);
  const headers = {'Content-Type': 'application/json', Accept: 'application/json'};
  if (idempotent) {
    if (!saveKeys.has(payload)) saveKeys.set(payload, newKey());
    headers['Idempotency-Key'] = saveKeys.get(payload);
  }
  let response;
  try {
    response = await fetch(path, {method: 'POST', headers, body: payload});
  } catch (_) {
    throw {network: true};
  }
  let data = null;
  try { data = await response.json(); } catch (_) { /* a body that is not JSON */ }
  const code = data && data.error && data.error.code;
  if (idempotent && response.status < 500 && code !== 'conflict') {
    saveKeys.delete(payload);
  }
  if (!response.ok) {
    throw {status: response.status, error: (data && data.error) || {message: response.statusText}};
  }
  return data;
}

function setBusy(busy) {
  $('busy').hidden = !busy;
  $('submit').disabled = busy;
  $('save').disabled = busy;
  $('need-form').setAttribute('aria-busy', String(busy));
}

function clearError() {
  state.lastError = null;
  $('error').hidden = true;
  $('error').replaceChildren();
  for (const node of document.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

function showError(failure) {
  state.lastError = failure;
  const text = t();
  const box = $('error');
  let message;
  if (failure.network) message = text.errors.network;
  else if (failure.local) message = text.errors[failure.local];
  else message = `${text.errors.generic} (${failure.status}): ${failure.error.message || ''}`;
  box.replaceChildren(el('p', {text: message}));
  box.hidden = false;
  const member = failure.error && failure.error.field
    ? failure.error.field.replace(/^need\./, '').replace(/\[.*$/, '') : failure.field;
  const inputId = FIELD_INPUTS[member];
  if (inputId) {
    $(inputId).setAttribute('aria-invalid', 'true');
    $(inputId).focus();
  }
}

async function run(action, need = needFromForm()) {
  clearError();
  if (!need.description) {
    showError({local: 'descriptionRequired', field: 'description'});
    return;
  }
  setBusy(true);
  try {
    await action(need);
  } catch (failure) {
    showError(failure);
  } finally {
    setBusy(false);
  }
}

async function recommend(need) {
  const data = await postJson('/v1/recommendations', {need, k: 10});
  state.last = {need, results: data.results, bundle: data.bundle,
    understanding: data.understanding, config_version: data.config_version};
  renderResults(state.last);
  $('results-title').focus();
}

// The SME answered the engine's question: the same need again, with the
// chosen kind of service given, so the ranking follows it at once. A saved
// need is not stored again; its recommendations are simply asked anew.
async function answerQuestion(serviceTypes) {
  const need = {...state.last.need, service_types: serviceTypes};
  for (const input of document.querySelectorAll('#service-types input')) {
    input.checked = serviceTypes.includes(input.value);
  }
  const key = serviceTypes.join(' ');
  const choices = () => document.querySelectorAll('#clarification button');
  for (const button of choices()) {
    button.disabled = true;
    button.classList.toggle('chosen', button.dataset.serviceType === key);
  }
  await run(recommend, need);
  // Still here only when the request failed: the question can be answered again.
  for (const button of choices()) {
    button.disabled = false;
    button.classList.remove('chosen');
    if (button.dataset.serviceType === key && document.activeElement === document.body) {
      button.focus();
    }
  }
}

// The need's own page: the token rides in the fragment, which browsers never
// send to the server, so it stays out of every log.
function needPageUrl(id, token) {
  const url = new URL('/need.html', location.href);
  url.search = new URLSearchParams({id}).toString();
  url.hash = new URLSearchParams({token}).toString();
  return url.href;
}

async function saveNeed(need) {
  const data = await postJson('/v1/needs', need, {idempotent: true});
  $('saved-id').textContent = data.id;
  $('saved-token').textContent = data.access_token;
  const link = needPageUrl(data.id, data.access_token);
  $('need-link').href = link;
  $('need-link').textContent = link;
  $('copy-status').textContent = '';
  $('saved').hidden = false;
  // The need page offers the bundle's "request all"; the stored need does not hold it.
  if (data.bundle && data.bundle.length) {
    try {
      sessionStorage.setItem(`iisc-bundle:${data.id}`,
        JSON.stringify(data.bundle.map((item) => item.capability_id)));
    } catch (_) { /* storage off: the need page derives the bundle itself */ }
  }
  state.last = {need, results: data.recommendations, bundle: data.bundle,
    understanding: data.understanding, config_version: data.config_version};
  renderResults(state.last);
  $('saved-title').setAttribute('tabindex', '-1');
  $('saved-title').focus();
}

// ---- results ----

function describeLabel(label, inferred) {
  const text = t();
  if (!label) return el('span', {class: 'muted', text: text.unknown});
  const name = label.name ? label.name[state.lang] || label.name.zh : label.id;
  const how = inferred ? `${text.inferred}, ${text.confidence} ${percent(label.confidence)}%` : text.given;
  return el('span', {class: 'tag'}, el('strong', {text: name}), ` · ${how}`);
}

// Why the engine inferred a label: the phrases of the need that led to it,
// quoted as the SME wrote them.
function describeEvidence(label, language) {
  if (!label || !label.evidence || !label.evidence.length) return null;
  const text = t();
  const note = el('span', {class: 'evidence'}, text.because);
  label.evidence.forEach((phrase, i) => {
    if (i > 0) note.append(text.listSeparator);
    note.append(el('span', {class: 'phrase', lang: langTag(language), text: `“${phrase}”`}));
  });
  return note;
}

function describeInferred(label, inferred, language) {
  return el('span', {class: 'label'}, describeLabel(label, inferred),
    inferred ? describeEvidence(label, language) : null);
}

// The engine's question, one button per kind of service; choosing one re-ranks.
function renderClarification(u) {
  const question = u.clarification;
  if (!question || !question.options || question.options.length < 2) return null;
  const lang = langTag(u.language);
  const box = el('div', {id: 'clarification', class: 'clarify', role: 'group',
    'aria-labelledby': 'clarify-question', 'aria-describedby': 'clarify-hint'});
  const options = el('ul', {class: 'clarify-options'});
  for (const option of question.options) {
    // One kind of service, or the last answer: all of them.
    const types = option.service_types || [];
    const button = el('button', {type: 'button', class: 'choice', lang,
      'data-service-type': types.join(' '), text: option.label});
    button.addEventListener('click', () => answerQuestion(types));
    options.append(el('li', {}, button));
  }
  box.append(
    el('p', {id: 'clarify-question', class: 'clarify-question', lang, text: question.question}),
    el('p', {id: 'clarify-hint', class: 'hint', text: t().clarifyHint}),
    options);
  return box;
}

function renderUnderstanding(u) {
  const text = t();
  const box = $('understanding');
  box.replaceChildren();
  if (!u) return;
  box.append(el('h3', {text: text.understandingTitle}));
  const list = el('dl', {class: 'understood'});
  list.append(el('dt', {text: text.understoodField}),
    el('dd', {}, describeInferred(u.field, u.field_inferred, u.language)));
  const services = el('dd');
  if (u.service_types && u.service_types.length) {
    for (const st of u.service_types) {
      services.append(describeInferred(st, u.service_types_inferred, u.language), ' ');
    }
  } else {
    services.append(describeLabel(null));
  }
  list.append(el('dt', {text: text.understoodServices}), services);
  box.append(list);
  const clarification = renderClarification(u);
  if (clarification) box.append(clarification);
  if (u.field_inferred || u.service_types_inferred) {
    const apply = el('button', {type: 'button', class: 'link', text: text.applyUnderstanding});
    apply.addEventListener('click', () => {
      if (u.field && u.field.id) $('field').value = u.field.id;
      const wanted = new Set((u.service_types || []).map((s) => s.id));
      for (const input of document.querySelectorAll('#service-types input')) {
        input.checked = wanted.has(input.value);
      }
      $('field').focus();
    });
    box.append(el('p', {class: 'hint'}, text.correctHint, ' '), apply);
  }
}

function renderReasons(explanation) {
  const text = t();
  const list = el('ul', {class: 'reasons'});
  const entries = Object.entries(explanation || {}).sort((a, b) => b[1] - a[1]);
  for (const [component, value] of entries) {
    const label = text.components[component] || component;
    const p = percent(value);
    const bar = el('span', {class: 'bar', 'aria-hidden': 'true'}, el('span', {class: 'fill'}));
    bar.firstChild.style.width = `${p}%`;
    list.append(el('li', {class: p >= 50 ? 'strong' : ''},
      el('span', {class: 'reason-label', text: label}), bar,
      el('span', {class: 'reason-value', text: `${p}%`})));
  }
  return list;
}

// The few strongest reasons, named in one line so the card reads at a glance.
function topReasons(explanation) {
  const text = t();
  return Object.entries(explanation || {})
    .filter(([, value]) => value >= 0.6)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([component]) => el('span', {class: 'chip', text: text.components[component] || component}));
}

function renderResult(r) {
  const text = t();
  const local = (v) => (v ? v[state.lang] || v.zh || v.en : '');
  const typeName = r.service_type_name ? local(r.service_type_name) : r.service_type;
  const item = el('li', {class: 'card result', 'data-service-type': r.service_type || ''});
  const why = el('details', {class: 'why'},
    el('summary', {text: text.reasons}),
    renderReasons(r.explanation));
  if (r.rank === 1) why.open = true;  // the best match explains itself unasked
  item.append(
    el('div', {class: 'result-head'},
      el('span', {class: 'rank', 'aria-hidden': 'true', text: String(r.rank)}),
      el('div', {class: 'result-title'},
        el('h3', {text: local(r.institution)}),
        el('p', {class: 'muted'},
          el('span', {class: 'type', text: typeName}), ' · ',
          el('span', {text: local(r.complex_name)}), ' · ',
          el('span', {text: local(r.county_name) || r.county}))),
      el('div', {class: 'score'},
        el('span', {class: 'score-value', text: `${percent(r.score)}%`}),
        el('span', {class: 'score-label', text: text.score}))),
    el('p', {class: 'description', text: local(r.description)}),
    el('p', {class: 'chips'}, ...topReasons(r.explanation)),
    why);
  return item;
}

// The best service of each wanted kind, when the need asks for several.
function renderBundle(bundle) {
  const text = t();
  const box = $('bundle');
  box.hidden = !bundle || bundle.length < 2;
  if (box.hidden) return;
  const local = (v) => (v ? v[state.lang] || v.zh || v.en : '');
  $('bundle-list').replaceChildren(...bundle.map((r) => el('li', {'data-capability-id': r.capability_id},
    el('span', {class: 'type', text: r.service_type_name ? local(r.service_type_name) : r.service_type}),
    ' · ', el('strong', {text: local(r.institution)}), ` · ${local(r.complex_name)} · `,
    el('span', {class: 'score-inline', text: `${text.score} ${percent(r.score)}%`}))));
}

function renderResults(answer) {
  $('results-section').hidden = false;
  $('results-title').setAttribute('tabindex', '-1');
  renderUnderstanding(answer.understanding);
  renderBundle(answer.bundle);
  const list = $('results');
  list.replaceChildren(...(answer.results || []).map(renderResult));
  $('results-empty').hidden = (answer.results || []).length > 0;
  $('config-version').textContent = answer.config_version
    ? `${t().configVersion}: ${answer.config_version}` : '';
}

// ---- start ----

async function start() {
  let lang = 'zh';
  const asked = new URLSearchParams(location.search).get('lang');
  try { lang = asked || localStorage.getItem('iisc-lang') || 'zh'; } catch (_) { lang = asked || 'zh'; }
  state.lang = TEXT[lang] ? lang : 'zh';
  applyLanguage();

  $('lang-toggle').addEventListener('click', () => setLanguage(state.lang === 'zh' ? 'en' : 'zh'));
  $('description').addEventListener('input', (e) => {
    $('description-count').textContent = `${[...e.target.value].length} / 4000`;
  });
  $('need-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run(recommend);
  });
  $('save').addEventListener('click', () => run(saveNeed));
  $('copy-link').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('need-link').href);
      $('copy-status').textContent = t().copied;
    } catch (_) {
      // No clipboard (a page not served over https): select it for the SME.
      getSelection().selectAllChildren($('need-link'));
      $('copy-status').textContent = t().copyFailed;
    }
  });

  try {
    const response = await fetch('/v1/taxonomy');
    if (!response.ok) throw {status: response.status, error: {message: response.statusText}};
    state.taxonomy = await response.json();
    fillChoices();
    document.body.dataset.ready = 'true';
  } catch (failure) {
    showError(failure.status ? failure : {network: true});
  }
}

start();
