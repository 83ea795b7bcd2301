// What the need page (need.js) and the complex workspace (complex.js) share:
// elements, the language switch (the form's choice, kept in localStorage),
// JSON calls with bearer tokens and idempotency keys, announcements, and the
// names of request states, taxonomy ids and catalog services.
// Plain browser JavaScript, no build step; defines one global, IISC.
'use strict';

const IISC = (() => {
  const COMMON = {
    zh: {
      htmlLang: 'zh-CN',
      switchTo: 'English',
      switchLabel: 'Switch to English',
      eyebrow: '温州市产业创新服务综合体',
      backToForm: '返回需求表单',
      states: {
        requested: '已申请，待答复',
        accepted: '已接受',
        declined: '已婉拒',
        proposed: '综合体推荐了其他服务',
        in_service: '服务中',
        completed: '已完成',
        rated: '已评价',
        withdrawn: '已撤回',
        expired: '已过期',
      },
      needStatus: {open: '进行中', withdrawn: '已撤回', deleted: '已删除'},
      actors: {sme: '企业', complex: '综合体', bureau: '主管部门', system: '系统'},
      sizes: {micro: '微型企业', small: '小型企业', medium: '中型企业'},
      history: '处理记录',
      notGiven: '未填写',
      score: '匹配度',
      errors: {
        network: '无法连接服务器，请检查网络后重试。',
        generic: '出错了',
        unauthorized: '令牌无效或已失效。',
        forbidden: '此令牌无权进行这项操作。',
        notFound: '找不到这一项，可能已被删除。',
        transition: '这项操作已不适用：当前状态是“{state}”。页面已刷新。',
        inFlight: '上一次操作仍在处理，请稍后再试。',
        conflict: '无法完成：',
        rateLimited: '操作太频繁，请稍后再试。',
      },
    },
    en: {
      htmlLang: 'en',
      switchTo: '中文',
      switchLabel: '切换到中文',
      eyebrow: "Wenzhou's Industrial Innovation Service Complexes",
      backToForm: 'Back to the need form',
      states: {
        requested: 'Requested, awaiting answer',
        accepted: 'Accepted',
        declined: 'Declined',
        proposed: 'Another service proposed',
        in_service: 'In service',
        completed: 'Completed',
        rated: 'Rated',
        withdrawn: 'Withdrawn',
        expired: 'Expired',
      },
      needStatus: {open: 'Open', withdrawn: 'Withdrawn', deleted: 'Deleted'},
      actors: {sme: 'enterprise', complex: 'complex', bureau: 'bureau', system: 'system'},
      sizes: {micro: 'Micro', small: 'Small', medium: 'Medium'},
      history: 'History',
      notGiven: 'not given',
      score: 'Match',
      errors: {
        network: 'Cannot reach the server; check the connection and try again.',
        generic: 'Something went wrong',
        unauthorized: 'The token is wrong or no longer valid.',
        forbidden: 'This token may not do that.',
        notFound: 'Not found; it may have been deleted.',
        transition: 'That no longer applies: the state is now “{state}”. The page has been refreshed.',
        inFlight: 'The previous attempt is still being processed; try again in a moment.',
        conflict: 'Not done: ',
        rateLimited: 'Too many requests; try again in a moment.',
      },
    },
  };

  // States in which a request still binds someone (and can be withdrawn).
  const ACTIVE = new Set(['requested', 'proposed', 'accepted', 'in_service']);

  const state = {lang: 'zh', text: null, onLanguage: null, taxonomy: null, complexes: [],
    services: new Map()};

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // ---- language ----

  // The page's own words merged over the common ones, in the current language.
  const t = () => ({...COMMON[state.lang], ...state.text[state.lang]});
  const local = (v) => (v ? v[state.lang] || v.zh || v.en || '' : '');
  const format = (template, values) =>
    template.replace(/\{(\w+)\}/g, (_, key) => (values[key] === undefined ? '' : values[key]));

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
    for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
      node.setAttribute('aria-label', text[node.dataset.i18nAriaLabel]);
    }
    const toggle = $('lang-toggle');
    toggle.textContent = text.switchTo;
    toggle.setAttribute('aria-label', text.switchLabel);
    toggle.lang = state.lang === 'zh' ? 'en' : 'zh-CN';
    if (state.onLanguage) state.onLanguage();
  }

  // Reads the language the SME chose on any page (?lang= first), wires the
  // switch, and calls onLanguage after every change to redraw what JS drew.
  function initLanguage(pageText, onLanguage) {
    state.text = pageText;
    let lang = new URLSearchParams(location.search).get('lang');
    try { lang = lang || localStorage.getItem('iisc-lang'); } catch (_) { /* private mode */ }
    state.lang = pageText[lang] ? lang : 'zh';
    applyLanguage();
    state.onLanguage = onLanguage;
    $('lang-toggle').addEventListener('click', () => {
      state.lang = state.lang === 'zh' ? 'en' : 'zh';
      try { localStorage.setItem('iisc-lang', state.lang); } catch (_) { /* private mode */ }
      applyLanguage();
    });
  }

  // ---- calls ----

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Outside a secure context (plain http on a LAN name) randomUUID is absent.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // One key per write the user means: the same action with the same body
  // keeps its key until the server has answered it for good, so a retry after
  // a lost answer is not applied twice.
  const pendingKeys = new Map();

  async function call(method, path, {token, body, action} = {}) {
    const headers = {Accept: 'application/json'};
    if (token) headers.Authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    let keyName = null;
    if (method !== 'GET') {
      keyName = `${method} ${path}\n${action || ''}\n${payload || ''}`;
      if (!pendingKeys.has(keyName)) pendingKeys.set(keyName, uuid());
      headers['Idempotency-Key'] = pendingKeys.get(keyName);
    }
    let response;
    try {
      response = await fetch(path, {method, headers, body: payload, cache: 'no-store'});
    } catch (_) {
      throw {network: true};
    }
    let data = null;
    try { data = await response.json(); } catch (_) { /* an empty or non-JSON body */ }
    const error = (data && data.error) || {message: response.statusText};
    // Kept for a retry: no answer worth keeping yet (in flight, server trouble).
    const retryable = response.status >= 500 || error.code === 'conflict';
    if (keyName && !retryable) pendingKeys.delete(keyName);
    if (!response.ok) throw {status: response.status, error};
    return data || {};
  }

  // The failure in words for the person; the server's message is kept beside.
  function describeFailure(failure) {
    const text = t();
    const e = text.errors;
    if (failure.network) return e.network;
    if (failure.local) return failure.local;
    const error = failure.error || {};
    if (failure.status === 401) return e.unauthorized;
    if (failure.status === 403) return e.forbidden;
    if (failure.status === 404) return e.notFound;
    if (failure.status === 429) return e.rateLimited;
    if (error.code === 'conflict') return e.inFlight;
    if (failure.status === 409 && error.state) {
      return format(e.transition, {state: text.states[error.state] || error.state});
    }
    if (failure.status === 409) return e.conflict + (error.message || '');
    return `${e.generic} (${failure.status}): ${error.message || ''}`;
  }

  function showError(failure) {
    const box = $('error');
    if (!failure) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.replaceChildren(el('p', {text: describeFailure(failure)}));
    box.hidden = false;
  }

  // Says a change out loud (the live region is polite: it waits its turn).
  function announce(message) {
    const region = $('status');
    region.textContent = '';
    setTimeout(() => { region.textContent = message; }, 50);
  }

  // ---- names ----

  async function loadReference() {
    const [taxonomy, catalog] = await Promise.all([
      call('GET', '/v1/taxonomy'), call('GET', '/v1/complexes')]);
    state.taxonomy = taxonomy;
    state.complexes = catalog.complexes || [];
    for (const complex of state.complexes) {
      for (const service of complex.services || []) state.services.set(service.id, {service, complex});
    }
  }

  const taxonomyName = (list, id) => {
    const item = (state.taxonomy && state.taxonomy[list] || []).find((x) => x.id === id);
    return item ? local(item.name) : id;
  };
  const fieldName = (id) => (id ? taxonomyName('fields', id) : t().notGiven);
  const countyName = (id) => (id ? taxonomyName('counties', id) : t().notGiven);
  const typeName = (id) => taxonomyName('service_types', id);
  const sizeName = (id) => (id ? t().sizes[id] || id : t().notGiven);

  // A service as people name it: institution, kind and complex. The catalog
  // knows it; a request carries its own copy for services since removed.
  function serviceFacts(capabilityId, hint) {
    const found = state.services.get(capabilityId);
    const h = hint || {};
    const type = found ? found.service.type : h.type || h.service_type || '';
    return {
      id: capabilityId,
      institution: found ? local(found.service.institution)
        : local(h.institution || h.name) || capabilityId,
      type,
      typeName: type ? typeName(type) : '',
      complexName: found ? local(found.complex.name) : local(h.complex_name || h.complex) || '',
      county: found ? found.complex.county : h.county || '',
    };
  }

  // A moment of an object, `<base>_at` (ISO 8601) or `<base>_unix_ms`.
  const timeOf = (object, base) =>
    (object ? object[`${base}_at`] || object[`${base}_unix_ms`] || null : null);

  function formatTime(value) {
    if (!value) return '';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB',
      {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'});
  }

  // <time> for a moment given as ISO 8601 or Unix milliseconds.
  function timeElement(value) {
    const date = new Date(value);
    const iso = Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
    return el('time', {datetime: iso, text: formatTime(value)});
  }

  const percent = (v) => `${Math.round(Math.max(0, Math.min(1, Number(v) || 0)) * 100)}%`;

  // A request's state as a badge; data-state lets styles and tests read it.
  const stateBadge = (s) => el('span', {class: `badge state-${s}`, 'data-state': s,
    text: t().states[s] || s});

  // What happened to a request, oldest first.
  function historyList(history) {
    const text = t();
    const list = el('ol', {class: 'history'});
    for (const step of history || []) {
      list.append(el('li', {},
        timeElement(timeOf(step, 'at') || step.at), ' ',
        el('strong', {text: text.states[step.state] || step.state}),
        step.by ? ` · ${text.actors[step.by] || step.by}` : '',
        step.note ? el('span', {class: 'note', text: ` — ${step.note}`}) : null));
    }
    return el('details', {class: 'history-box'}, el('summary', {text: text.history}), list);
  }

  // Runs one user action: the button waits, and a failure is shown (the
  // alert role announces it). Resolves to {ok: true} or {ok: false, failure}.
  async function act(button, work) {
    showError(null);
    if (button) {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
    }
    try {
      await work();
      return {ok: true};
    } catch (thrown) {
      // A bug of ours (an Error) is shown as such, not as a server answer.
      const failure = thrown instanceof Error ? {local: String(thrown)} : thrown;
      if (thrown instanceof Error) console.error(thrown);
      showError(failure);
      return {ok: false, failure};
    } finally {
      if (button && button.isConnected) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    }
  }

  return {
    ACTIVE, $, el, t, local, format, state, initLanguage, call, uuid, showError, announce,
    describeFailure, loadReference, fieldName, countyName, typeName, sizeName,
    serviceFacts, timeOf, formatTime, timeElement, percent, stateBadge, historyList, act,
  };
})();
