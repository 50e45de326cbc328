// The page: a login form, the case worker's children, a placement, and an
// auditor's access report for a child. Everything is rendered with
// textContent (never innerHTML): names are case data.
import { createApi } from './api';
import { GraphQLRequestError } from './client';
import type { AccessEvent, ChildRow, PlacementDetails, Session } from './api';

declare global {
  interface Window {
    /** Set before main.js loads to point the page at another server. */
    HEARTH_API_URL?: string;
  }
}

/** `?api=<url>`, else window.HEARTH_API_URL, else /graphql on this origin. */
function apiUrl(): string {
  const fromQuery = new URLSearchParams(window.location.search).get('api');
  return new URL(fromQuery ?? window.HEARTH_API_URL ?? '/graphql', window.location.href).toString();
}

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return element;
}

const ui = {
  api: byId('api', HTMLElement),
  error: byId('error', HTMLElement),
  loginForm: byId('login', HTMLFormElement),
  session: byId('session', HTMLElement),
  who: byId('who', HTMLElement),
  logout: byId('logout', HTMLButtonElement),
  childrenStatus: byId('children-status', HTMLElement),
  childrenBody: byId('children-body', HTMLTableSectionElement),
  placement: byId('placement', HTMLElement),
  placementDetails: byId('placement-details', HTMLDListElement),
  reportForm: byId('report-form', HTMLFormElement),
  reportStatus: byId('report-status', HTMLElement),
  reportBody: byId('report-body', HTMLTableSectionElement),
};

const url = apiUrl();
const api = createApi(url);
ui.api.textContent = url;

function showError(context: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  ui.error.textContent = `${context}: ${message}`;
  ui.error.hidden = false;
  document.body.dataset['state'] = 'error';
}

function clearError(): void {
  ui.error.textContent = '';
  ui.error.hidden = true;
}

function cell(row: HTMLTableRowElement, text: string | number | null | undefined): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text == null ? '–' : String(text);
  return td;
}

function renderChildren(rows: ChildRow[], total: number): void {
  ui.childrenBody.replaceChildren();
  for (const child of rows) {
    const row = ui.childrenBody.insertRow();
    row.dataset['childId'] = child.id ?? '';
    cell(row, child.givenName);
    cell(row, child.familyName);
    const action = row.insertCell();
    const placementId = child.currentPlacement?.id;
    if (placementId) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Placement';
      button.addEventListener('click', () => void showPlacement(placementId));
      action.append(button);
    } else {
      action.textContent = 'not placed';
    }
  }
  ui.childrenStatus.textContent = `${rows.length} of ${total} children`;
}

function renderPlacement(p: PlacementDetails): void {
  const entries: Array<[string, string | number | null | undefined]> = [
    ['Child', [p.child?.givenName, p.child?.familyName].filter(Boolean).join(' ') || null],
    ['Type', p.type],
    ['Legal basis', p.legalBasis],
    ['Setting', p.setting ? `${p.setting.name ?? '–'} (${p.setting.__typename})` : null],
    ['Start', p.startDate],
    ['Planned end', p.plannedEndDate],
    ['End', p.endDate],
    ['Daily cost (SEK)', p.dailyCost],
  ];
  ui.placementDetails.replaceChildren(
    ...entries.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value == null ? '–' : String(value);
      return [dt, dd];
    }),
  );
  ui.placement.hidden = false;
}

function renderReport(events: AccessEvent[]): void {
  ui.reportBody.replaceChildren();
  for (const e of events) {
    const row = ui.reportBody.insertRow();
    cell(row, e.sequence);
    cell(row, e.occurredAt);
    cell(row, e.actor?.username);
    cell(row, e.action);
    cell(row, e.outcome);
    cell(row, e.fields.join(', '));
  }
  ui.reportStatus.textContent = `${events.length} events`;
}

async function showPlacement(id: string): Promise<void> {
  clearError();
  try {
    renderPlacement(await api.placement(id));
  } catch (error) {
    showError('Placement', error);
  }
}

async function loadChildren(): Promise<void> {
  ui.childrenStatus.textContent = 'Loading…';
  try {
    const { rows, total, errors } = await api.children(50);
    renderChildren(rows, total);
    if (errors.length > 0) showError('Some fields were refused', new Error(errors.map((e) => e.message).join('; ')));
  } catch (error) {
    ui.childrenBody.replaceChildren();
    if (error instanceof GraphQLRequestError && error.errors.every((e) => e.extensions?.code === 'FORBIDDEN')) {
      // An auditor or administrator: no caseload, not an error.
      ui.childrenStatus.textContent = 'Your role has no caseload.';
      return;
    }
    ui.childrenStatus.textContent = 'No children shown.';
    showError('Children', error);
  }
}

function startSession(session: Session): void {
  ui.who.textContent = `${session.user.displayName} (${session.user.username})`;
  ui.loginForm.hidden = true;
  ui.session.hidden = false;
  document.body.dataset['state'] = 'logged-in';
}

ui.loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearError();
  const form = new FormData(ui.loginForm);
  const username = String(form.get('username') ?? '');
  const password = String(form.get('password') ?? '');
  document.body.dataset['state'] = 'logging-in';
  void (async () => {
    try {
      const session = await api.login(username, password);
      ui.loginForm.reset();
      startSession(session);
      await loadChildren();
      document.body.dataset['state'] = ui.error.hidden ? 'ready' : 'error';
    } catch (error) {
      showError('Login failed', error);
    }
  })();
});

ui.logout.addEventListener('click', () => {
  api.logout();
  clearError();
  ui.session.hidden = true;
  ui.placement.hidden = true;
  ui.childrenBody.replaceChildren();
  ui.reportBody.replaceChildren();
  ui.loginForm.hidden = false;
  document.body.dataset['state'] = 'logged-out';
});

ui.reportForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearError();
  const childId = String(new FormData(ui.reportForm).get('childId') ?? '').trim();
  ui.reportStatus.textContent = 'Loading…';
  void (async () => {
    try {
      renderReport(await api.accessReport(childId));
    } catch (error) {
      ui.reportStatus.textContent = '';
      showError('Access report', error);
    }
  })();
});

document.body.dataset['state'] = 'logged-out';
