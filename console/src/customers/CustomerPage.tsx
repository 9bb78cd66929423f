// A customer's 360 page: who they are, their points (held, expiring), the ledger, what they
// hold (badges, vouchers, rewards, cards), their category and consent with the history of each, the
// messages they were sent, their RFM scores and the funnels they entered. Write controls show only to roles
// that hold the permission the server asks for each mutation.
import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { Customer360Document, type Customer360Query } from "../generated/graphql";
import { useSession } from "../app/session";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { AdjustPoints } from "./AdjustPoints";
import { CardsSection } from "./CardsSection";
import { CategorySection } from "./CategorySection";
import { ConsentSection } from "./ConsentSection";
import { DataRequestsSection } from "./DataRequestsSection";
import { DetailsSection } from "./DetailsSection";
import { BadgesSection, RewardsSection, VouchersSection } from "./Holdings";
import { FunnelsSection } from "./FunnelsSection";
import { LedgerSection } from "./LedgerSection";
import { MessagesSection } from "./MessagesSection";
import { PointsSummary } from "./PointsSummary";
import { RfmSection } from "./RfmSection";
import { customerName } from "./labels";

export type Customer = NonNullable<Customer360Query["customer"]>;

/** Points expiring within this many days are shown as expiring soon. */
const EXPIRING_WITHIN_DAYS = 30;

export function CustomerPage() {
  const { id = "" } = useParams();
  const { can } = useSession();
  const [result, refetch] = useQuery({
    query: Customer360Document,
    variables: { id, expiringWithinDays: EXPIRING_WITHIN_DAYS },
  });
  // Bumped by every change of points made here: the ledger goes back to its newest page.
  const [pointsChanges, setPointsChanges] = useState(0);
  const refresh = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  const pointsChanged = useCallback(() => {
    setPointsChanges((n) => n + 1);
    refresh();
  }, [refresh]);

  const customer = result.data?.customer;
  if (result.error && !result.data) return <RequestError error={result.error} />;
  if (!result.data) return <Loading what="Loading the customer" />;
  if (!customer) {
    return (
      <>
        <h1>No such customer</h1>
        <p role="status">
          There is no customer {id}. <Link to="/customers">Back to the customers</Link>
        </p>
      </>
    );
  }
  const name = customerName(customer);
  return (
    <article className="customer" aria-labelledby="customer-name">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/customers">Customers</Link> <span aria-hidden="true">›</span> {name}
      </nav>
      <header className="customer-head">
        <h1 id="customer-name">{name}</h1>
        <p className="meta">
          <span className="badge">{customer.category.name}</span>
          {customer.cardCode ? <span>Card {customer.cardCode}</span> : null}
          {customer.email ? <span>{customer.email}</span> : null}
          {customer.phone ? <span>{customer.phone}</span> : null}
          {customer.erasedAt ? <span className="badge">Erased</span> : null}
        </p>
      </header>
      <RequestError error={result.error} />
      <PointsSummary points={customer.points} withinDays={EXPIRING_WITHIN_DAYS} />
      <div className="columns">
        {can("ADJUST_POINTS") ? (
          <AdjustPoints customerId={customer.id} onSaved={pointsChanged} />
        ) : null}
        <CategorySection
          customer={customer}
          categories={result.data.pointCategories}
          canChange={can("MANAGE_CATEGORIES")}
          onChanged={refresh}
        />
      </div>
      <LedgerSection
        customerId={customer.id}
        canReverse={can("ADJUST_POINTS")}
        changes={pointsChanges}
        onReversed={pointsChanged}
      />
      <div className="columns">
        <BadgesSection badges={customer.badges} />
        <RewardsSection rewards={customer.rewards} />
      </div>
      <VouchersSection vouchers={customer.vouchers} />
      <CardsSection cards={customer.cards} />
      <div className="columns">
        <DetailsSection customer={customer} canEdit={can("MANAGE_CUSTOMERS")} onSaved={refresh} />
        <ConsentSection customer={customer} canEdit={can("MANAGE_CUSTOMERS")} onSaved={refresh} />
      </div>
      {can("READ_REPORTS") ? <MessagesSection customerId={customer.id} /> : null}
      <RfmSection customerId={customer.id} />
      <FunnelsSection enrollments={customer.funnelEnrollments} />
      {can("MANAGE_DATA_REQUESTS") ? (
        <DataRequestsSection customerId={customer.id} erasedAt={customer.erasedAt} onErased={refresh} />
      ) : null}
    </article>
  );
}
