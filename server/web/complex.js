// The complex's workspace: it signs in with its complex id and the token the
// bureau issued (kept in sessionStorage only, gone with the tab), answers the
// requests SMEs sent it (accept, decline with a reason, propose another of
// its services, start, complete) and reads the needs that fit its services.
// Plain browser JavaScript on common.js, no build step.
'use strict';

const {$, el, t} = IISC;

const TEXT = {
  zh: {
    docTitle: '综合体工作台 · 温州产业创新服务综合体',
    skip: '跳到主要内容',
    navLabel: '页面导航',
    title: '综合体工作台',
    lede: '答复企业发给本综合体的服务申请，并查看与本综合体服务相匹配的企业需求。',
    loginTitle: '登录',
    complexLabel: '综合体',
    chooseComplex: '请选择综合体',
    tokenLabel: '访问令牌',
    tokenHint: '令牌由主管部门发放（以 ct_ 开头）。它只保存在本浏览器标签页中，关闭标签页即清除。',
    login: '登录',
    logout: '退出',
    loginMissing: '请选择综合体并填写访问令牌。',
    requestsTitle: '企业发来的服务申请',
    stateFilter: '按状态筛选',
    allStates: '全部状态',
    requestsEmpty: '没有这种状态的申请。',
    more: '加载更多',
    feedTitle: '与本综合体服务匹配的企业需求',
    feedHint: '尚未结束的需求，按提交时间从新到旧。企业向本综合体提出申请后，才会显示企业名称和联系方式。',
    feedType: '服务类型',
    allTypes: '全部类型',
    feedEmpty: '暂时没有匹配的需求。',
    footer: '请勿在公用电脑上保持登录；离开前请点“退出”。',
    requestedAt: '申请时间',
    expiresAt: '答复期限',
    enterprise: '企业',
    contact: '联系方式',
    field: '领域',
    county: '所在地',
    size: '企业规模',
    smeMessage: '企业留言',
    declineReason: '婉拒理由',
    proposed: '已建议改用',
    rating: '企业评价',
    accept: '接受',
    decline: '婉拒…',
    propose: '推荐本综合体的其他服务…',
    start: '开始服务',
    complete: '服务完成',
    reasonLabel: '婉拒理由（必填，企业会看到）',
    reasonRequired: '请填写婉拒理由。',
    confirmDecline: '确认婉拒',
    proposeLabel: '改为推荐的服务',
    proposeMessage: '给企业的说明（可选）',
    sendProposal: '发送建议',
    noOtherService: '本综合体没有其他服务可以推荐。',
    cancel: '取消',
    bestMatch: '最匹配的服务',
    requestedYou: '已向本综合体提出申请',
    needFrom: '需求',
    submitted: '提交时间',
    signedIn: '已登录：{name}。',
    signedOut: '已退出。',
    done: {
      accept: '已接受申请。',
      decline: '已婉拒申请。',
      propose: '已向企业建议改用{name}。',
      start: '服务已开始。',
      complete: '服务已完成，等待企业评价。',
    },
    loaded: '已加载 {count} 项。',
    refresh: '刷新',
  },
  en: {
    docTitle: 'Complex workspace · IISC Match',
    skip: 'Skip to the main content',
    navLabel: 'Page navigation',
    title: 'Complex workspace',
    lede: 'Answer the requests enterprises send your complex, and see the needs that fit your services.',
    loginTitle: 'Sign in',
    complexLabel: 'Complex',
    chooseComplex: 'Choose your complex',
    tokenLabel: 'Access token',
    tokenHint: 'Issued by the bureau (it starts with ct_). It is kept in this browser tab only and gone when the tab is closed.',
    login: 'Sign in',
    logout: 'Sign out',
    loginMissing: 'Choose the complex and enter the access token.',
    requestsTitle: 'Requests from enterprises',
    stateFilter: 'Filter by state',
    allStates: 'All states',
    requestsEmpty: 'No requests in this state.',
    more: 'Load more',
    feedTitle: 'Needs that fit your services',
    feedHint: 'Open needs, newest first. The enterprise name and contact are shown once the enterprise has sent your complex a request.',
    feedType: 'Service type',
    allTypes: 'All types',
    feedEmpty: 'No matching needs for now.',
    footer: 'Do not stay signed in on a shared computer; sign out before you leave.',
    requestedAt: 'Requested',
    expiresAt: 'Answer due',
    enterprise: 'Enterprise',
    contact: 'Contact',
    field: 'Field',
    county: 'Location',
    size: 'Size',
    smeMessage: 'Message from the enterprise',
    declineReason: 'Reason for declining',
    proposed: 'Suggested instead',
    rating: 'Rating',
    accept: 'Accept',
    decline: 'Decline…',
    propose: 'Suggest another of our services…',
    start: 'Start the service',
    complete: 'Mark as completed',
    reasonLabel: 'Reason for declining (required; the enterprise sees it)',
    reasonRequired: 'Please give a reason for declining.',
    confirmDecline: 'Decline the request',
    proposeLabel: 'Service to suggest instead',
    proposeMessage: 'Note to the enterprise (optional)',
    sendProposal: 'Send the suggestion',
    noOtherService: 'Your complex has no other service to suggest.',
    cancel: 'Cancel',
    bestMatch: 'Best fitting service',
    requestedYou: 'Has sent your complex a request',
    needFrom: 'Need',
    submitted: 'Submitted',
    signedIn: 'Signed in: {name}.',
    signedOut: 'Signed out.',
    done: {
      accept: 'Request accepted.',
      decline: 'Request declined.',
      propose: 'Suggested {name} to the enterprise.',
      start: 'Service started.',
      complete: 'Service completed; the enterprise may now rate it.',
    },
    loaded: '{count} loaded.',
    refresh: 'Refresh',
  },
};

const STATES = ['requested', 'proposed', 'accepted', 'in_service', 'completed', 'rated',
  'declined', 'withdrawn', 'expired'];
// What the complex may do in each state (the server decides; these are offered).
const ACTIONS = {requested: ['accept', 'decline', 'propose'], accepted: ['start'],
  in_service: ['complete']};
const SESSION_KEY = 'iisc-complex-session';

const page = {
  session: null,  // {id, token}
  complex: null,  // GET /v1/complexes/{id}
  requests: {items: [], next: null},
  feed: {items: [], next: null},
  panel: null,    // {id, kind: 'decline' | 'propose'}: the open inline form
  drafts: new Map(),  // request id → {reason, capability_id, message}
};

const call = (method, path, body) => IISC.call(method, path, {token: page.session.token, body});
const complexPath = () => `/v1/complexes/${encodeURIComponent(page.session.id)}`;
const query = (params) => {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) q.set(key, value);
  const s = q.toString();
  return s ? `?${s}` : '';
};

// ---- signing in ----

function fillComplexChoices() {
  const select = $('complex-id');
  const keep = select.value;
  select.replaceChildren(el('option', {value: '', text: t().chooseComplex}),
    ...IISC.state.complexes.map((c) => el('option', {value: c.id, text: IISC.local(c.name)})));
  select.value = keep;
}

function fillFilters() {
  const text = t();
  const state = $('state-filter');
  const keepState = state.value;
  state.replaceChildren(el('option', {value: '', text: text.allStates}),
    ...STATES.map((s) => el('option', {value: s, text: text.states[s]})));
  state.value = keepState;
  const type = $('feed-type');
  const keepType = type.value;
  const types = [...new Set(((page.complex && page.complex.services) || []).map((s) => s.type))];
  type.replaceChildren(el('option', {value: '', text: text.allTypes}),
    ...types.map((id) => el('option', {value: id, text: IISC.typeName(id)})));
  type.value = keepType;
}

async function signIn(session, button) {
  page.session = session;
  const outcome = await IISC.act(button, async () => {
    // Its services, fresh: the ones it may propose instead.
    page.complex = await IISC.call('GET', complexPath());
    await loadRequests(false);
  });
  if (!outcome.ok) {
    page.session = null;
    try { sessionStorage.removeItem(SESSION_KEY); } catch (_) { /* storage off */ }
    showLogin();
    if (outcome.failure && (outcome.failure.status === 401 || outcome.failure.status === 403)) {
      $('complex-token').setAttribute('aria-invalid', 'true');
      $('complex-token').focus();
    }
    return false;
  }
  try { sessionStorage.setItem(SESSION_KEY, JSON.stringify(session)); } catch (_) { /* off */ }
  $('complex-token').value = '';
  $('complex-token').removeAttribute('aria-invalid');
  $('login-section').hidden = true;
  $('workspace').hidden = false;
  fillFilters();
  render();
  $('workspace-title').focus();
  IISC.announce(IISC.format(t().signedIn, {name: IISC.local(page.complex.name)}));
  loadFeed(false).then(renderFeed, IISC.showError);
  return true;
}

function showLogin() {
  $('workspace').hidden = true;
  $('login-section').hidden = false;
}

function signOut() {
  try { sessionStorage.removeItem(SESSION_KEY); } catch (_) { /* storage off */ }
  page.session = null;
  page.complex = null;
  page.requests = {items: [], next: null};
  page.feed = {items: [], next: null};
  page.panel = null;
  page.drafts.clear();
  showLogin();
  $('complex-id').focus();
  IISC.announce(t().signedOut);
}

// ---- reading ----

async function loadRequests(more) {
  const data = await call('GET', `${complexPath()}/requests${query({
    state: $('state-filter').value, limit: '20', cursor: more ? page.requests.next : ''})}`);
  const items = data.requests || [];
  page.requests = {items: more ? page.requests.items.concat(items) : items,
    next: data.next_cursor || null};
  return items.length;
}

async function loadFeed(more) {
  const data = await call('GET', `${complexPath()}/needs${query({
    service_type: $('feed-type').value, limit: '20', cursor: more ? page.feed.next : ''})}`);
  const items = data.needs || [];
  page.feed = {items: more ? page.feed.items.concat(items) : items, next: data.next_cursor || null};
  return items.length;
}

// ---- drawing ----

function render() {
  if (!page.session || !page.complex) return;
  $('workspace-title').textContent = IISC.local(page.complex.name);
  fillFilters();
  renderRequests();
  renderFeed();
}

function renderRequests() {
  const list = $('requests');
  list.replaceChildren(...page.requests.items.map(renderRequest));
  $('requests-empty').hidden = page.requests.items.length > 0;
  $('requests-more').hidden = !page.requests.next;
}

// The need behind a request or in the feed: what the SME wrote and who they are.
function needFacts(need, enterprise) {
  const text = t();
  const list = el('dl', {class: 'facts compact'});
  const add = (term, value) => { if (value) list.append(el('dt', {text: term}), el('dd', {}, value)); };
  const who = enterprise || (need && need.enterprise) || {};
  add(text.enterprise, who.name);
  add(text.contact, who.contact);
  add(text.field, need && need.field ? IISC.fieldName(need.field) : '');
  add(text.county, need && need.county ? IISC.countyName(need.county) : '');
  add(text.size, need && need.size ? IISC.sizeName(need.size) : '');
  return list;
}

function renderRequest(r) {
  const text = t();
  const facts = IISC.serviceFacts(r.capability_id, r.service || r.capability);
  const headingId = `creq-${r.id}-title`;
  const need = r.need || {};
  const item = el('li', {class: 'card item request', id: `creq-${r.id}`, 'data-request-id': r.id,
    'data-state': r.state});
  item.append(
    el('div', {class: 'item-head'},
      el('div', {class: 'item-title'},
        el('h3', {id: headingId, tabindex: '-1', text: facts.institution}),
        el('p', {class: 'muted'}, el('span', {class: 'type', text: facts.typeName}),
          `${text.requestedAt} `,
          IISC.timeElement(IISC.timeOf(r, 'created')))),
      IISC.stateBadge(r.state)),
    need.description ? el('p', {class: 'need-text', text: need.description}) : null);
  const more = needFacts(need);
  const add = (term, value) => { if (value) more.append(el('dt', {text: term}), el('dd', {}, value)); };
  const expires = IISC.timeOf(r, 'expires');
  if (expires && r.state === 'requested') add(text.expiresAt, IISC.timeElement(expires));
  add(text.smeMessage, r.message);
  add(text.declineReason, r.decline_reason);
  if (r.proposed_capability_id && r.state === 'proposed') {
    add(text.proposed, IISC.serviceFacts(r.proposed_capability_id, r.proposed_service).institution);
  }
  if (r.rating) add(text.rating, `${r.rating}/5${r.comment ? ` — ${r.comment}` : ''}`);
  if (more.childElementCount) item.append(more);

  const actions = el('div', {class: 'actions'});
  for (const action of ACTIONS[r.state] || []) {
    const button = el('button', {type: 'button', 'data-action': action,
      class: action === 'accept' || action === 'start' || action === 'complete' ? 'primary' : 'secondary',
      'aria-describedby': headingId, text: text[action]});
    if (action === 'decline' || action === 'propose') {
      button.setAttribute('aria-expanded', String(isPanel(r, action)));
      button.setAttribute('aria-controls', `creq-${r.id}-panel`);
      button.addEventListener('click', () => togglePanel(r, action));
    } else {
      button.addEventListener('click', () => transition(button, r, action));
    }
    actions.append(button);
  }
  if (actions.childElementCount) item.append(actions);
  if (page.panel && page.panel.id === r.id && ACTIONS[r.state]) item.append(renderPanel(r, headingId));
  item.append(IISC.historyList(r.history));
  return item;
}

const isPanel = (r, kind) => Boolean(page.panel && page.panel.id === r.id && page.panel.kind === kind);

function togglePanel(r, kind) {
  page.panel = isPanel(r, kind) ? null : {id: r.id, kind};
  renderRequests();
  const focus = page.panel ? $(`creq-${r.id}-panel-input`) : $(`creq-${r.id}`).querySelector(`[data-action=${kind}]`);
  if (focus) focus.focus();
}

// The inline form for declining (reason required) or proposing another service.
function renderPanel(r, headingId) {
  const text = t();
  const draft = page.drafts.get(r.id) || {};
  const inputId = `creq-${r.id}-panel-input`;
  const form = el('form', {class: 'inline-form', id: `creq-${r.id}-panel`, novalidate: true,
    'aria-labelledby': headingId});
  const cancel = el('button', {type: 'button', class: 'secondary', text: text.cancel});
  cancel.addEventListener('click', () => togglePanel(r, page.panel.kind));
  const submit = el('button', {type: 'submit', class: 'primary'});
  const keep = (key) => (e) => page.drafts.set(r.id, {...page.drafts.get(r.id), [key]: e.target.value});

  if (page.panel.kind === 'decline') {
    const reason = el('textarea', {id: inputId, rows: '2', maxlength: '1000', required: true});
    reason.value = draft.reason || '';
    reason.addEventListener('input', keep('reason'));
    submit.textContent = text.confirmDecline;
    form.append(el('div', {class: 'field'}, el('label', {for: inputId, text: text.reasonLabel}), reason));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        reason.setAttribute('aria-invalid', 'true');
        IISC.showError({local: text.reasonRequired});
        reason.focus();
        return;
      }
      transition(submit, r, 'decline', {reason: reason.value.trim()});
    });
  } else {
    const others = ((page.complex && page.complex.services) || [])
      .filter((s) => s.id !== r.capability_id)
      // The same kind of service first: the likelier substitute.
      .sort((a, b) => Number(b.type === r.service_type) - Number(a.type === r.service_type));
    if (!others.length) {
      form.append(el('p', {class: 'muted', text: text.noOtherService}), el('div', {class: 'actions'}, cancel));
      return form;
    }
    const select = el('select', {id: inputId, required: true},
      ...others.map((s) => el('option', {value: s.id,
        text: `${IISC.local(s.institution)} · ${IISC.typeName(s.type)}`})));
    if (draft.capability_id) select.value = draft.capability_id;
    select.addEventListener('change', keep('capability_id'));
    const messageId = `creq-${r.id}-panel-message`;
    const message = el('textarea', {id: messageId, rows: '2', maxlength: '1000'});
    message.value = draft.message || '';
    message.addEventListener('input', keep('message'));
    submit.textContent = text.sendProposal;
    form.append(
      el('div', {class: 'field'}, el('label', {for: inputId, text: text.proposeLabel}), select),
      el('div', {class: 'field'}, el('label', {for: messageId, text: text.proposeMessage}), message));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = {capability_id: select.value};
      if (message.value.trim()) body.message = message.value.trim();
      transition(submit, r, 'propose', body);
    });
  }
  form.append(el('div', {class: 'actions'}, submit, cancel));
  return form;
}

function renderFeed() {
  const text = t();
  $('feed').replaceChildren(...page.feed.items.map((item) => {
    // The need's facts, nested under "need" or beside the matches.
    const n = {...item, ...(item.need || {})};
    const best = item.best || (item.matches && item.matches[0]) || null;
    const facts = best ? IISC.serviceFacts(best.capability_id, best) : null;
    const headingId = `feed-${n.need_id}-title`;
    return el('li', {class: 'card item', 'data-need-id': n.need_id},
      el('div', {class: 'item-head'},
        el('div', {class: 'item-title'},
          el('h3', {id: headingId},
            facts ? `${text.bestMatch}: ${facts.institution}` : text.needFrom),
          el('p', {class: 'muted'},
            facts && facts.typeName ? el('span', {class: 'type', text: facts.typeName}) : null,
            `${text.submitted} `, IISC.timeElement(IISC.timeOf(n, 'created')))),
        best && best.score !== undefined
          ? el('span', {class: 'score-value small', text: IISC.percent(best.score)}) : null),
      el('p', {class: 'need-text', text: n.description || ''}),
      item.requested ? el('p', {}, el('span', {class: 'badge state-requested', text: text.requestedYou})) : null,
      needFacts(n, n.enterprise));
  }));
  $('feed-empty').hidden = page.feed.items.length > 0;
  $('feed-more').hidden = !page.feed.next;
}

// ---- writing ----

async function transition(button, r, action, body) {
  const text = t();
  let answer = null;
  const outcome = await IISC.act(button, async () => {
    answer = await call('POST', `/v1/requests/${encodeURIComponent(r.id)}/${action}`, body);
  });
  if (!outcome.ok) {
    // Things moved on (the SME withdrew, it expired): show the request as it is.
    if (outcome.failure && outcome.failure.status === 409) await reloadOne(r.id);
    return;
  }
  const updated = (answer && (answer.request || (answer.requests && answer.requests[0])))
    || (answer && answer.id ? answer : null);
  if (updated) replaceRequest(updated);
  else await reloadOne(r.id);
  page.panel = null;
  page.drafts.delete(r.id);
  renderRequests();
  const heading = $(`creq-${r.id}-title`);
  if (heading) heading.focus();
  const name = body && body.capability_id ? IISC.serviceFacts(body.capability_id).institution : '';
  IISC.announce(`${IISC.format(text.done[action], {name})} ${t().states[(updated || r).state] || ''}`.trim());
}

function replaceRequest(updated) {
  const at = page.requests.items.findIndex((x) => x.id === updated.id);
  // A request answer may leave out the need; keep the one we had.
  if (at >= 0) page.requests.items[at] = {need: page.requests.items[at].need, ...updated};
}

async function reloadOne(id) {
  try {
    replaceRequest(await call('GET', `/v1/requests/${encodeURIComponent(id)}`).then(
      (data) => data.request || data));
    renderRequests();
  } catch (_) { /* the error shown says enough */ }
}

// ---- start ----

async function start() {
  IISC.initLanguage(TEXT, () => {
    fillComplexChoices();
    render();
  });
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    IISC.showError(null);
    const id = $('complex-id').value;
    const token = $('complex-token').value.trim();
    if (!id || !token) {
      IISC.showError({local: t().loginMissing});
      (id ? $('complex-token') : $('complex-id')).focus();
      return;
    }
    signIn({id, token}, $('login'));
  });
  $('logout').addEventListener('click', signOut);
  const reloadRequests = (button) =>
    IISC.act(button, async () => {
      page.panel = null;
      const count = await loadRequests(false);
      renderRequests();
      IISC.announce(IISC.format(t().loaded, {count}));
    });
  $('state-filter').addEventListener('change', () => reloadRequests(null));
  $('refresh').addEventListener('click', () => reloadRequests($('refresh')));
  $('requests-more').addEventListener('click', () => {
    const first = page.requests.items.length;
    IISC.act($('requests-more'), async () => {
      const count = await loadRequests(true);
      renderRequests();
      const next = $('requests').children[first];
      if (next) next.querySelector('h3').focus();
      IISC.announce(IISC.format(t().loaded, {count}));
    });
  });
  $('feed-type').addEventListener('change', () =>
    IISC.act(null, async () => {
      const count = await loadFeed(false);
      renderFeed();
      IISC.announce(IISC.format(t().loaded, {count}));
    }));
  $('feed-more').addEventListener('click', () => {
    const first = page.feed.items.length;
    IISC.act($('feed-more'), async () => {
      const count = await loadFeed(true);
      renderFeed();
      const next = $('feed').children[first];
      if (next) {
        const heading = next.querySelector('h3');
        heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
      IISC.announce(IISC.format(t().loaded, {count}));
    });
  });

  try {
    await IISC.loadReference();
    fillComplexChoices();
  } catch (failure) {
    IISC.showError(failure);
  }
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null'); } catch (_) { /* off */ }
  if (saved && saved.id && saved.token) await signIn(saved, null);
  else showLogin();
  document.body.dataset.ready = 'true';
}

start();
