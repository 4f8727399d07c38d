"""FastAPI dependencies: the loaded service state for a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from service.api.state import Loaded, ServiceState


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.hoidap
    return state


def loaded(state: Annotated[ServiceState, Depends(service_state)]) -> Loaded:
    if state.loaded is None:
        detail = (f"the index could not be loaded: {state.error}" if state.error
                  else "the index is still loading; try again in a few seconds")
        raise HTTPException(status_code=503, detail=detail, headers={"Retry-After": "5"})
    return state.loaded


LoadedDep = Annotated[Loaded, Depends(loaded)]
StateDep = Annotated[ServiceState, Depends(service_state)]
