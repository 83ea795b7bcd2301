// The SME's page for one stored need, reached by the link the form shows
// after saving: /need.html?id=<need id>#token=<access token>. The token stays
// in the fragment, so it never reaches a server log. The page shows the need,
// its recommended services (and the bundle) to request, the requests with
// the complexes' answers, and lets the SME accept a proposal, withdraw, rate
// a completed service, withdraw the need or delete it.
// Plain browser JavaScript on common.js, no build step.
'use strict';

const {$, el, t} = IISC;

const TEXT = {
  zh: {
    docTitle: '我的需求 · 温州产业创新服务综合体',
    skip: '跳到主要内容',
    navLabel: '页面导航',
    title: '我的需求',
    lede: '查看为这条需求推荐的服务，向综合体提出申请，跟进处理进度，服务完成后给出评价。',
    loading: '正在读取需求…',
    needTitle: '需求',
    field: '领域',
    county: '所在地',
    size: '企业规模',
    created: '提交时间',
    needId: '需求编号',
    requestsTitle: '我的申请',
    requestsEmpty: '还没有申请。在下方选择服务，点“申请此服务”，综合体会在这里答复您。',
    bundleTitle: '一站式组合',
    bundleHint: '您的需求涉及几类服务：这是每一类中最合适的一项，可以一次全部申请。',
    requestAll: '全部申请',
    bundleDone: '组合中的服务都已申请。',
    recsTitle: '推荐的服务',
    messageLabel: '给综合体的留言（可选，随申请一起发送）',
    requestThis: '申请此服务',
    alreadyRequested: '已申请',
    recsEmpty: '这条需求没有保存推荐结果。',
    manageTitle: '管理这条需求',
    manageHint: '撤回需求会同时撤回所有尚未完成的申请；删除需求会清除描述、企业名称和联系方式，且无法恢复。',
    withdrawNeed: '撤回需求',
    deleteNeed: '删除我的需求',
    cancel: '取消',
    confirmWithdrawNeed: '撤回后，所有尚未完成的申请都会撤回，综合体将不再处理。确定撤回这条需求吗？',
    confirmWithdrawNeedYes: '确认撤回',
    confirmDelete: '删除后，需求描述、企业名称和联系方式将被清除，无法恢复。确定删除吗？',
    confirmDeleteYes: '确认删除',
    deletedTitle: '需求已删除',
    deletedNote: '描述、企业名称和联系方式已清除。感谢您使用本服务。',
    footer: '请保存本页链接：它是回到这条需求的唯一途径，请勿转发给他人。',
    requestedAt: '申请时间',
    expiresAt: '答复期限',
    yourMessage: '您的留言',
    declineReason: '婉拒理由',
    proposalIntro: '综合体建议改用这项服务：',
    proposalMessage: '综合体的说明',
    acceptProposal: '接受建议的服务',
    withdraw: '撤回申请',
    yourRating: '您的评价',
    rateLegend: '给这项服务评分（1–5 分）',
    ratingLabels: ['1 分 · 很不满意', '2 分 · 不满意', '3 分 · 一般', '4 分 · 满意', '5 分 · 非常满意'],
    commentLabel: '评价内容（可选）',
    submitRating: '提交评价',
    ratingRequired: '请先选择 1 到 5 分。',
    missingLink: '链接不完整：缺少需求编号或访问令牌。请使用保存需求时显示的完整链接。',
    badLink: '无法打开这条需求：链接中的编号或访问令牌不对。请使用保存需求时显示的完整链接。',
    done: {
      requested: '已向{names}发出申请。',
      withdrawn: '已撤回对{name}的申请。',
      proposalAccepted: '已接受建议的服务：{name}。',
      rated: '已提交对{name}的评价。',
      needWithdrawn: '需求已撤回。',
      deleted: '需求已删除。',
      refreshed: '已刷新：{count} 项申请的状态有变化。',
      unchanged: '已刷新：没有新的变化。',
    },
    refresh: '刷新状态',
    listSeparator: '、',
  },
  en: {
    docTitle: 'My need · IISC Match',
    skip: 'Skip to the main content',
    navLabel: 'Page navigation',
    title: 'My need',
    lede: 'See the services recommended for this need, request them from the complexes, follow their answers and rate the service when it is done.',
    loading: 'Loading the need…',
    needTitle: 'Need',
    field: 'Field',
    county: 'Location',
    size: 'Enterprise size',
    created: 'Submitted',
    needId: 'Need id',
    requestsTitle: 'My requests',
    requestsEmpty: 'No requests yet. Choose a service below and press “Request this service”; the complex answers here.',
    bundleTitle: 'One-stop bundle',
    bundleHint: 'Your need spans several kinds of service: here is the best service of each kind, to request all at once.',
    requestAll: 'Request all',
    bundleDone: 'Every service of the bundle has been requested.',
    recsTitle: 'Recommended services',
    messageLabel: 'Message to the complex (optional, sent with the request)',
    requestThis: 'Request this service',
    alreadyRequested: 'Requested',
    recsEmpty: 'No recommendations were stored with this need.',
    manageTitle: 'Manage this need',
    manageHint: 'Withdrawing the need withdraws every request not yet completed; deleting it erases the description, the enterprise name and the contact, for good.',
    withdrawNeed: 'Withdraw the need',
    deleteNeed: 'Delete my need',
    cancel: 'Cancel',
    confirmWithdrawNeed: 'Every request not yet completed will be withdrawn and the complexes will stop working on them. Withdraw this need?',
    confirmWithdrawNeedYes: 'Yes, withdraw',
    confirmDelete: 'The description, the enterprise name and the contact will be erased and cannot be restored. Delete this need?',
    confirmDeleteYes: 'Yes, delete',
    deletedTitle: 'Need deleted',
    deletedNote: 'The description, the enterprise name and the contact have been erased. Thank you for using the service.',
    footer: 'Keep the link of this page: it is the only way back to this need. Do not share it.',
    requestedAt: 'Requested',
    expiresAt: 'Answer due',
    yourMessage: 'Your message',
    declineReason: 'Reason given',
    proposalIntro: 'The complex suggests this service instead:',
    proposalMessage: 'The complex says',
    acceptProposal: 'Accept the suggested service',
    withdraw: 'Withdraw the request',
    yourRating: 'Your rating',
    rateLegend: 'Rate this service (1–5)',
    ratingLabels: ['1 · Very poor', '2 · Poor', '3 · Fair', '4 · Good', '5 · Excellent'],
    commentLabel: 'Comment (optional)',
    submitRating: 'Submit the rating',
    ratingRequired: 'Choose a rating from 1 to 5 first.',
    missingLink: 'The link is incomplete: the need id or the access token is missing. Use the whole link shown when the need was saved.',
    badLink: 'This need cannot be opened: the id or the access token in the link is wrong. Use the whole link shown when the need was saved.',
    done: {
      requested: 'Request sent to {names}.',
      withdrawn: 'Request to {name} withdrawn.',
      proposalAccepted: 'Suggested service accepted: {name}.',
      rated: 'Rating for {name} submitted.',
      needWithdrawn: 'The need has been withdrawn.',
      deleted: 'The need has been deleted.',
      refreshed: 'Refreshed: {count} request(s) changed state.',
      unchanged: 'Refreshed: nothing new.',
    },
    refresh: 'Refresh',
    listSeparator: ', ',
  },
};

const page = {
  id: new URLSearchParams(location.search).get('id') || '',
  token: new URLSearchParams(location.hash.replace(/^#/, '')).get('token') || '',
  data: null,  // GET /v1/needs/{id}
  requests: [],
  drafts: new Map(),  // request id → {rating, comment} typed but not yet sent
  confirming: null,   // 'withdraw' | 'delete' while the confirm step is open
  deleted: false,
};

const needPath = () => `/v1/needs/${encodeURIComponent(page.id)}`;
const bundleKey = () => `iisc-bundle:${page.id}`;
const call = (method, path, body) =>
  IISC.call(method, path, {token: page.token, body});

// ---- reading ----

async function load() {
  const data = await call('GET', needPath());
  let requests = data.requests;
  if (!Array.isArray(requests)) {
    try {
      requests = (await call('GET', `${needPath()}/requests`)).requests || [];
    } catch (_) {
      requests = [];  // a server without the lifecycle routes
    }
  }
  page.data = data;
  page.requests = requests;
}

// The stored recommendations, best first, as {capability_id, score, service_type}.
function recommendations() {
  const d = page.data;
  if (Array.isArray(d.recommendations)) return d.recommendations;
  if (Array.isArray(d.matches)) return d.matches;
  return (d.recommended_capability_ids || []).map((id) => ({capability_id: id}));
}

// The bundle: as the server tells, else as the form kept it at submission,
// else the best stored recommendation of each service type the SME chose.
function bundleIds() {
  const d = page.data;
  if (Array.isArray(d.bundle) && d.bundle.length) {
    return d.bundle.map((item) => item.capability_id || item);
  }
  try {
    const kept = JSON.parse(sessionStorage.getItem(bundleKey()) || 'null');
    if (Array.isArray(kept) && kept.length) return kept;
  } catch (_) { /* storage off or spoiled */ }
  const wanted = (d.need && d.need.service_types) || [];
  if (wanted.length < 2) return [];
  const best = new Map();
  for (const rec of recommendations()) {
    const type = rec.service_type || IISC.serviceFacts(rec.capability_id).type;
    if (wanted.includes(type) && !best.has(type)) best.set(type, rec.capability_id);
  }
  return best.size >= 2 ? [...best.values()] : [];
}

const needStatus = () => page.data.status || 'open';
const isOpen = () => needStatus() === 'open';
// Capabilities with a request still under way: not to be requested again.
function activeCapabilities() {
  const ids = new Set();
  for (const r of page.requests) {
    if (IISC.ACTIVE.has(r.state)) {
      ids.add(r.capability_id);
      if (r.proposed_capability_id) ids.add(r.proposed_capability_id);
    }
  }
  return ids;
}

// ---- drawing ----

function render() {
  const text = t();
  $('loading').hidden = true;
  if (page.deleted || needStatus() === 'deleted') {
    for (const id of ['need-section', 'requests-section', 'bundle-section', 'recs-section',
      'manage-section']) $(id).hidden = true;
    $('deleted-section').hidden = false;
    return;
  }
  renderNeed();
  renderRequests();
  renderBundle();
  renderRecommendations();
  $('manage-section').hidden = false;
  $('withdraw-need').hidden = !isOpen();
  $('confirm-yes').textContent = text[page.confirming === 'delete'
    ? 'confirmDeleteYes' : 'confirmWithdrawNeedYes'];
  $('confirm-text').textContent = text[page.confirming === 'delete'
    ? 'confirmDelete' : 'confirmWithdrawNeed'];
}

function renderNeed() {
  const text = t();
  const d = page.data;
  const need = d.need || {};
  $('need-section').hidden = false;
  const status = needStatus();
  const badge = $('need-status');
  badge.className = `badge need-${status}`;
  badge.dataset.status = status;
  badge.textContent = text.needStatus[status] || status;
  $('need-description').textContent = need.description || '';
  const facts = [
    [text.field, IISC.fieldName(need.field)],
    [text.county, IISC.countyName(need.county)],
    [text.size, IISC.sizeName(need.size)],
    [text.created, IISC.formatTime(IISC.timeOf(d, 'created'))],
    [text.needId, el('code', {text: d.id || page.id})],
  ];
  $('need-facts').replaceChildren(...facts.flatMap(([term, value]) =>
    [el('dt', {text: term}), el('dd', {}, value)]));
}

// A service as a card's heading and line: institution; type, complex · county.
function serviceHeading(facts, headingId, level = 'h3') {
  return [
    el(level, {id: headingId, tabindex: '-1', text: facts.institution}),
    el('p', {class: 'muted'},
      facts.typeName ? el('span', {class: 'type', text: facts.typeName}) : null,
      facts.complexName, facts.county ? ` · ${IISC.countyName(facts.county)}` : ''),
  ];
}

function renderRecommendations() {
  const text = t();
  const active = activeCapabilities();
  const list = $('recommendations');
  const recs = recommendations();
  $('recs-section').hidden = false;
  list.replaceChildren(...recs.map((rec, i) => {
    const facts = IISC.serviceFacts(rec.capability_id, rec);
    const headingId = `rec-${i}-title`;
    const requested = active.has(rec.capability_id);
    const button = el('button', {type: 'button', class: requested ? 'secondary' : 'primary',
      'data-capability-id': rec.capability_id, 'aria-describedby': headingId,
      text: requested ? text.alreadyRequested : text.requestThis});
    button.disabled = requested || !isOpen();
    button.addEventListener('click', () => requestServices(button, [rec.capability_id]));
    return el('li', {class: 'card item', 'data-capability-id': rec.capability_id},
      el('div', {class: 'item-head'},
        el('span', {class: 'rank', 'aria-hidden': 'true', text: String(rec.rank || i + 1)}),
        el('div', {class: 'item-title'}, ...serviceHeading(facts, headingId)),
        rec.score !== undefined
          ? el('span', {class: 'score-value small', text: IISC.percent(rec.score)}) : null),
      el('div', {class: 'actions'}, button));
  }));
  if (!recs.length) list.replaceChildren(el('li', {class: 'muted', text: text.recsEmpty}));
}

function renderBundle() {
  const text = t();
  const ids = bundleIds();
  $('bundle-section').hidden = ids.length < 2;
  if (ids.length < 2) return;
  const active = activeCapabilities();
  $('bundle').replaceChildren(...ids.map((id) => {
    const facts = IISC.serviceFacts(id);
    return el('li', {'data-capability-id': id},
      el('span', {class: 'type', text: facts.typeName}), ' · ',
      el('strong', {text: facts.institution}), ` · ${facts.complexName}`,
      active.has(id) ? el('span', {class: 'muted', text: ` (${text.alreadyRequested})`}) : null);
  }));
  const open = ids.filter((id) => !active.has(id));
  const button = $('request-bundle');
  button.disabled = !open.length || !isOpen();
  button.textContent = open.length ? text.requestAll : text.bundleDone;
}

function renderRequests() {
  $('requests-section').hidden = false;
  $('requests-empty').hidden = page.requests.length > 0;
  // Newest first: what the SME is waiting for is on top.
  const sorted = [...page.requests].sort((a, b) =>
    new Date(IISC.timeOf(b, 'created') || 0) - new Date(IISC.timeOf(a, 'created') || 0));
  $('requests').replaceChildren(...sorted.map(renderRequest));
}

function noteOf(request, state) {
  const steps = (request.history || []).filter((h) => h.state === state && h.note);
  return steps.length ? steps[steps.length - 1].note : '';
}

function renderRequest(r) {
  const text = t();
  const facts = IISC.serviceFacts(r.capability_id, r.service || r.capability);
  const headingId = `req-${r.id}-title`;
  const item = el('li', {class: 'card item request', id: `req-${r.id}`, 'data-request-id': r.id,
    'data-state': r.state});
  item.append(
    el('div', {class: 'item-head'},
      el('div', {class: 'item-title'}, ...serviceHeading(facts, headingId)),
      IISC.stateBadge(r.state)));
  const facts2 = el('dl', {class: 'facts compact'},
    el('dt', {text: text.requestedAt}),
    el('dd', {}, IISC.timeElement(IISC.timeOf(r, 'created'))));
  const expires = IISC.timeOf(r, 'expires');
  if (expires && (r.state === 'requested' || r.state === 'proposed')) {
    facts2.append(el('dt', {text: text.expiresAt}), el('dd', {}, IISC.timeElement(expires)));
  }
  if (r.message) {
    facts2.append(el('dt', {text: text.yourMessage}), el('dd', {text: r.message}));
  }
  const reason = r.decline_reason || (r.state === 'declined' ? noteOf(r, 'declined') : '');
  if (reason) facts2.append(el('dt', {text: text.declineReason}), el('dd', {text: reason}));
  if (r.state === 'rated' || r.rating) {
    facts2.append(el('dt', {text: text.yourRating}),
      el('dd', {class: 'rating-shown'}, `${r.rating}/5`, r.comment ? ` — ${r.comment}` : ''));
  }
  item.append(facts2);

  if (r.state === 'proposed' && r.proposed_capability_id) item.append(renderProposal(r, headingId));
  if (r.state === 'completed') item.append(renderRatingForm(r, headingId));

  if (IISC.ACTIVE.has(r.state)) {
    const withdraw = el('button', {type: 'button', class: 'secondary withdraw',
      'aria-describedby': headingId, text: text.withdraw});
    withdraw.addEventListener('click', () =>
      requestAction(withdraw, r, 'withdraw', undefined, 'withdrawn'));
    item.append(el('div', {class: 'actions'}, withdraw));
  }
  item.append(IISC.historyList(r.history));
  return item;
}

function renderProposal(r, headingId) {
  const text = t();
  const proposed = IISC.serviceFacts(r.proposed_capability_id, r.proposed_service);
  const message = r.proposal_message || noteOf(r, 'proposed');
  const accept = el('button', {type: 'button', class: 'primary accept-proposal',
    'aria-describedby': headingId, text: text.acceptProposal});
  accept.addEventListener('click', () =>
    requestAction(accept, r, 'accept-proposal', undefined, 'proposalAccepted', proposed.institution));
  return el('div', {class: 'proposal'},
    el('p', {}, text.proposalIntro, ' ', el('strong', {text: proposed.institution}),
      proposed.typeName ? ` (${proposed.typeName})` : ''),
    message ? el('p', {}, `${text.proposalMessage}: `, el('q', {text: message})) : null,
    el('div', {class: 'actions'}, accept));
}

// 1–5 as a radio group, an optional comment, one button; a draft survives redraws.
function renderRatingForm(r, headingId) {
  const text = t();
  const draft = page.drafts.get(r.id) || {};
  const form = el('form', {class: 'rate', novalidate: true, 'aria-labelledby': headingId});
  const choices = el('div', {class: 'rating-choices'});
  text.ratingLabels.forEach((label, i) => {
    const value = String(i + 1);
    const id = `rate-${r.id}-${value}`;
    const input = el('input', {type: 'radio', id, name: `rating-${r.id}`, value});
    input.checked = draft.rating === value;
    choices.append(el('label', {class: 'check rating-choice', for: id}, input,
      el('span', {text: label})));
  });
  const commentId = `rate-${r.id}-comment`;
  const comment = el('textarea', {id: commentId, name: 'comment', rows: '2', maxlength: '1000'});
  comment.value = draft.comment || '';
  const submit = el('button', {type: 'submit', class: 'primary', text: text.submitRating});
  form.append(
    el('fieldset', {class: 'field'}, el('legend', {text: text.rateLegend}), choices),
    el('div', {class: 'field'}, el('label', {for: commentId, text: text.commentLabel}), comment),
    el('div', {class: 'actions'}, submit));
  form.addEventListener('input', () => {
    const checked = form.querySelector('input[type=radio]:checked');
    page.drafts.set(r.id, {rating: checked ? checked.value : undefined, comment: comment.value});
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checked = form.querySelector('input[type=radio]:checked');
    if (!checked) {
      IISC.showError({local: text.ratingRequired});
      form.querySelector('input[type=radio]').focus();
      return;
    }
    const body = {rating: Number(checked.value)};
    if (comment.value.trim()) body.comment = comment.value.trim();
    requestAction(submit, r, 'rate', body, 'rated');
  });
  return form;
}

// ---- writing ----

// Reads the need again and redraws; focus goes to `focusId` if it is there.
async function refresh(focusId) {
  await load();
  render();
  const target = focusId && $(focusId);
  if (target) target.focus();
}

const nameOf = (capabilityId) => IISC.serviceFacts(capabilityId).institution;

async function requestServices(button, capabilityIds) {
  const text = t();
  const body = {capability_ids: capabilityIds};
  const message = $('request-message').value.trim();
  if (message) body.message = message;
  let created = [];
  const outcome = await IISC.act(button, async () => {
    const data = await call('POST', `${needPath()}/requests`, body);
    created = data.requests || [];
  });
  if (!outcome.ok) return redrawAfter(outcome.failure);
  $('request-message').value = '';
  await refresh(created.length ? `req-${created[0].id}-title` : 'requests-title');
  IISC.announce(IISC.format(text.done.requested,
    {names: capabilityIds.map(nameOf).join(text.listSeparator)}));
}

async function requestAction(button, r, action, body, doneKey, name) {
  const outcome = await IISC.act(button, () =>
    call('POST', `/v1/requests/${encodeURIComponent(r.id)}/${action}`, body));
  if (!outcome.ok) return redrawAfter(outcome.failure);
  page.drafts.delete(r.id);
  await refresh(`req-${r.id}-title`);
  IISC.announce(IISC.format(t().done[doneKey], {name: name || nameOf(r.capability_id)}));
}

// After a write refused because things moved on (the complex answered, the
// request expired, it was already requested): redraw with what the server
// holds; the error shown stays.
async function redrawAfter(failure) {
  if (!failure || failure.status !== 409) return;
  try {
    await load();
    render();
  } catch (_) { /* the error shown says enough */ }
}

function askConfirm(kind) {
  page.confirming = kind;
  render();
  $('confirm').hidden = false;
  $('confirm-no').focus();
}

function closeConfirm(focusId) {
  $('confirm').hidden = true;
  page.confirming = null;
  if (focusId && $(focusId)) $(focusId).focus();
}

async function confirmed() {
  const text = t();
  const kind = page.confirming;
  if (kind === 'delete') {
    const outcome = await IISC.act($('confirm-yes'), () => call('DELETE', needPath()));
    if (!outcome.ok) return;
    page.deleted = true;
    try { sessionStorage.removeItem(bundleKey()); } catch (_) { /* storage off */ }
    // The token is of no more use; keep it out of the address bar and history.
    history.replaceState(null, '', location.pathname + location.search);
    closeConfirm();
    render();
    $('deleted-title').setAttribute('tabindex', '-1');
    $('deleted-title').focus();
    IISC.announce(text.done.deleted);
  } else if (kind === 'withdraw') {
    const outcome = await IISC.act($('confirm-yes'), () => call('POST', `${needPath()}/withdraw`));
    if (!outcome.ok) return redrawAfter(outcome.failure);
    closeConfirm();
    await refresh('need-title');
    IISC.announce(text.done.needWithdrawn);
  }
}

// ---- start ----

async function start() {
  IISC.initLanguage(TEXT, () => { if (page.data || page.deleted) render(); });
  $('refresh').addEventListener('click', async () => {
    const before = new Map(page.requests.map((r) => [r.id, r.state]));
    const outcome = await IISC.act($('refresh'), async () => {
      await load();
      render();
    });
    if (!outcome.ok) return;
    const changed = page.requests.filter((r) => before.get(r.id) !== r.state).length;
    IISC.announce(changed ? IISC.format(t().done.refreshed, {count: changed}) : t().done.unchanged);
  });
  $('request-bundle').addEventListener('click', () => {
    const active = activeCapabilities();
    requestServices($('request-bundle'), bundleIds().filter((id) => !active.has(id)));
  });
  $('withdraw-need').addEventListener('click', () => askConfirm('withdraw'));
  $('delete-need').addEventListener('click', () => askConfirm('delete'));
  $('confirm-no').addEventListener('click', () =>
    closeConfirm(page.confirming === 'delete' ? 'delete-need' : 'withdraw-need'));
  $('confirm-yes').addEventListener('click', confirmed);
  // Another link pasted over this one differs only in the fragment: no reload
  // would happen by itself.
  window.addEventListener('hashchange', () => location.reload());
  $('confirm').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') $('confirm-no').click();
  });

  if (!page.id || !page.token) {
    $('loading').hidden = true;
    IISC.showError({local: t().missingLink});
    document.body.dataset.ready = 'true';
    return;
  }
  try {
    await IISC.loadReference();
    await load();
    render();
  } catch (failure) {
    $('loading').hidden = true;
    const refused = [401, 403, 404].includes(failure && failure.status);
    IISC.showError(refused ? {local: t().badLink} : failure);
  }
  document.body.dataset.ready = 'true';
}

start();
