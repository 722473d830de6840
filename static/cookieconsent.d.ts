// window.cookieconsent, installed by the consent server's banner script
// (<script src="https://consent.example.kz/embed/SITE_KEY.js" defer>). Served at
// /embed/cookieconsent.d.ts; docs/single-page.md explains each call.

/** A category key of the site: "essential", "analytics", or one added in the console. */
type ConsentCategory = string;

interface ConsentDecision {
  /** The optional categories the visitor granted (never "essential"). */
  categories: ConsentCategory[];
  /** The revision of the cookie policy the visitor decided on. */
  revision: number;
  /** The consent id, or null while the decision waits to be recorded by the server. */
  id: string | null;
}

interface ConsentChangeEvent extends CustomEvent<{granted: ConsentCategory[]}> {}

interface CookieConsent {
  /** Opens the cookie settings dialog (fetched the first time it is opened). */
  open(): void;
  /** Whether the visitor's decision in force grants the category ("essential" always). */
  granted(category: ConsentCategory): boolean;
  /** The decision in force, or null if the visitor has not decided or must decide again. */
  decision(): ConsentDecision | null;
  /** Calls listener after each decision, with the "cookieconsent:change" event of document. */
  on(type: "change", listener: (event: ConsentChangeEvent) => void): void;
  /** Stops calling a listener given to on(). */
  off(type: "change", listener: (event: ConsentChangeEvent) => void): void;
  /** Resolves once the category is granted: at once if it is, else after a later decision. */
  whenGranted(category: ConsentCategory): Promise<void>;
  /**
   * Records the visitor's decision from the site's own interface: the categories named are
   * granted, the others refused. Settles once the server has answered, or once the decision
   * is kept in the browser to be sent later; rejects if the site has no cookie policy in force.
   */
  accept(categories: ConsentCategory | ConsentCategory[]): Promise<void>;
  /** Records a refusal of every optional category, as accept([]) does. */
  rejectAll(): Promise<void>;
}

interface DocumentEventMap {
  "cookieconsent:change": ConsentChangeEvent;
}

interface Window {
  cookieconsent?: CookieConsent;
}
